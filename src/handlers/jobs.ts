import { GatewayError } from "../errors/gateway-error.js";
import type { AppContext } from "../http/app-state.js";
import type { HandlersOf, OperationInput } from "../http/openapi-dispatch.js";
import { toJobBody } from "../queue/job-view.js";
import type { OverflowQueue } from "../queue/types.js";
import { requestTenant } from "../tenants/request-tenant.js";
import type { TenantDirectory } from "../tenants/tenant-directory.js";

function notFound(id: string): GatewayError {
  return new GatewayError(
    "job_not_found",
    `No job '${id}' (it may belong to another tenant, or its result has expired).`,
    { param: "job_id" },
  );
}

export function jobHandlers(queue: OverflowQueue, tenants: () => TenantDirectory): HandlersOf<"getJob" | "cancelJob"> {
  function target(ctx: AppContext, { params, query }: OperationInput<"getJob" | "cancelJob">) {
    return { id: params.job_id, tenant: requestTenant(ctx.state.principal, query.tenant_id, tenants()).id };
  }

  return {
    async getJob(ctx, input) {
      const { id, tenant } = target(ctx, input);
      const job = await queue.get(id, tenant);
      if (!job) throw notFound(id);
      ctx.body = toJobBody(job);
    },

    async cancelJob(ctx, input) {
      const { id, tenant } = target(ctx, input);
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
