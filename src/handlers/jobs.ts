import type { Context as ApiContext } from "openapi-backend";
import type { operations } from "../../generated/openapi.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { AppContext } from "../http/app-state.js";
import { toJobBody } from "../queue/job-view.js";
import type { OverflowQueue } from "../queue/types.js";
import { requestTenant } from "../tenants/request-tenant.js";
import type { TenantDirectory } from "../tenants/tenant-directory.js";

type JobParams = operations["getJob"]["parameters"];

function notFound(id: string): GatewayError {
  return new GatewayError(
    "job_not_found",
    `No job '${id}' (it may belong to another tenant, or its result has expired).`,
    { param: "job_id" },
  );
}

export function jobHandlers(queue: OverflowQueue, tenants: () => TenantDirectory) {
  function target(ctx: AppContext, api: ApiContext): { id: string; tenant: string } {
    const { job_id: id } = api.request.params as JobParams["path"];
    const query = api.request.query as JobParams["query"];
    return { id, tenant: requestTenant(ctx.state.principal, query?.tenant_id, tenants()).id };
  }

  return {
    async getJob(ctx: AppContext, api: ApiContext): Promise<void> {
      const { id, tenant } = target(ctx, api);
      const job = await queue.get(id, tenant);
      if (!job) throw notFound(id);
      ctx.body = toJobBody(job);
    },

    async cancelJob(ctx: AppContext, api: ApiContext): Promise<void> {
      const { id, tenant } = target(ctx, api);
      const outcome = await queue.cancel(id, tenant);
      if (outcome === "not_found") throw notFound(id);
      if (outcome === "not_cancellable") {
        throw new GatewayError(
          "job_not_cancellable",
          `Job '${id}' has already started or finished; only a queued job can be cancelled.`,
          { param: "job_id" },
        );
      }
      const job = await queue.get(id, tenant);
      if (!job) throw notFound(id);
      ctx.body = toJobBody(job);
    },
  };
}
