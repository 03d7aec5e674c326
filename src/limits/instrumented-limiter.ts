import type { Telemetry } from "../telemetry/events.js";
import type { Admission, AdmissionRequest, Limiter } from "./types.js";

/** Wraps a limiter so that every admission decision is reported as a "limits.check" event. */
export class InstrumentedLimiter implements Limiter {
  constructor(
    private readonly inner: Limiter,
    private readonly telemetry: Telemetry,
  ) {}

  async admit(request: AdmissionRequest): Promise<Admission> {
    const admission = await this.inner.admit(request);
    this.telemetry.emit(
      "limits.check",
      admission.admitted ? { tenant: request.tenant, result: "allowed" } : { tenant: request.tenant, result: "rejected", reason: admission.reason },
    );
    return admission;
  }

  inFlight(tenant: string): Promise<number> {
    return this.inner.inFlight(tenant);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
