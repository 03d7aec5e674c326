export interface OpenAiErrorFields {
  message?: string;
  type?: string;
  param?: string | null;
  code?: string | null;
}

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

type OpenAiErrorDefaults = Required<Pick<OpenAiErrorFields, "message" | "type" | "code">>;

// What the real API answers for each status when nothing more specific applies.
const DEFAULTS_BY_STATUS: Record<number, OpenAiErrorDefaults> = {
  400: { message: "Invalid request.", type: "invalid_request_error", code: null },
  401: {
    message:
      "Incorrect API key provided: sk-***. You can find your API key at https://platform.openai.com/account/api-keys.",
    type: "invalid_request_error",
    code: "invalid_api_key",
  },
  403: { message: "You are not allowed to sample from this model", type: "invalid_request_error", code: null },
  404: {
    message: "The model does not exist or you do not have access to it.",
    type: "invalid_request_error",
    code: "model_not_found",
  },
  429: {
    message: "Rate limit reached for requests. Please try again in 1s.",
    type: "requests",
    code: "rate_limit_exceeded",
  },
  500: {
    message: "The server had an error while processing your request. Sorry about that!",
    type: "server_error",
    code: null,
  },
  503: { message: "The engine is currently overloaded, please try again later.", type: "server_error", code: null },
};

function defaultsFor(status: number): OpenAiErrorDefaults {
  return (
    DEFAULTS_BY_STATUS[status] ??
    (status >= 500 ? DEFAULTS_BY_STATUS[500] : DEFAULTS_BY_STATUS[400]) ?? {
      message: "Error",
      type: "invalid_request_error",
      code: null,
    }
  );
}

/** The `{"error":{message,type,param,code}}` body the real API sends with an error status. */
export function openaiErrorBody(status: number, fields: OpenAiErrorFields = {}): OpenAiErrorBody {
  const defaults = defaultsFor(status);
  return {
    error: {
      message: fields.message ?? defaults.message,
      type: fields.type ?? defaults.type,
      param: fields.param ?? null,
      code: fields.code === undefined ? defaults.code : fields.code,
    },
  };
}
