import Koa from "koa";
import { chatHandlers } from "./handlers/chat.js";
import { docsHandlers } from "./handlers/docs.js";
import { embeddingsHandlers } from "./handlers/embeddings.js";
import { healthHandlers } from "./handlers/health.js";
import { modelHandlers } from "./handlers/models.js";
import type { AppState } from "./http/app-state.js";
import { createOpenApiDispatch } from "./http/openapi-dispatch.js";
import { bodyReader } from "./http/request-body.js";
import { jobHandlers } from "./handlers/jobs.js";
import { messagesHandlers } from "./handlers/messages.js";
import { metricsHandlers } from "./handlers/metrics.js";
import { usageHandlers } from "./handlers/usage.js";
import { metricsAuth } from "./middleware/metrics-auth.js";
import { apiKeyAuth } from "./middleware/api-key-auth.js";
import { bearerAuth } from "./middleware/auth.js";
import { errorHandler } from "./middleware/error-handler.js";
import { requestId } from "./middleware/request-id.js";
import { requestTelemetry } from "./middleware/request-telemetry.js";
import type { Runtime } from "./runtime.js";

/**
 * The Koa application: request ids, errors in one shape, then the spec's dispatch by operationId (route, security,
 * only then the JSON body, validation, handler).
 */
export async function createApp(runtime: Runtime): Promise<Koa<AppState>> {
  const config = () => runtime.snapshot().config;
  const tenants = () => runtime.snapshot().tenants;
  const dispatch = await createOpenApiDispatch(
    {
      ...chatHandlers({ pipeline: runtime.pipeline, tenants }),
      ...messagesHandlers({ pipeline: runtime.pipeline, tenants }),
      ...embeddingsHandlers({ pipeline: runtime.pipeline, tenants }),
      ...jobHandlers(runtime.queue, tenants),
      ...modelHandlers(runtime.models),
      ...healthHandlers(runtime.health),
      ...docsHandlers(),
      ...usageHandlers(runtime.usage, tenants),
      ...metricsHandlers(runtime.metrics),
    },
    {
      bearerAuth: bearerAuth(tenants, () => config().auth),
      apiKeyAuth: apiKeyAuth(tenants, () => config().auth),
      metricsToken: metricsAuth(() => config().metrics),
    },
    bodyReader(() => ({
      bodyLimit: config().server.body_limit,
      unauthenticatedBudget: config().server.unauthenticated_body_budget,
    })),
  );
  const app = new Koa<AppState>();
  app.silent = true;
  app.use(requestId);
  app.use(requestTelemetry(runtime.telemetry));
  app.use(errorHandler);
  app.use(dispatch);
  return app;
}
