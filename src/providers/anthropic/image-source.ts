import type { Base64ImageSource, ImageBlockParam } from "@anthropic-ai/sdk/resources/messages";
import { invalidRequest } from "../../errors/gateway-error.js";

type MediaType = Base64ImageSource["media_type"];

/** The image types Anthropic accepts inline; `image/jpg` is a common misspelling of `image/jpeg`. */
const MEDIA_TYPES: Readonly<Record<string, MediaType>> = {
  "image/jpeg": "image/jpeg",
  "image/jpg": "image/jpeg",
  "image/png": "image/png",
  "image/gif": "image/gif",
  "image/webp": "image/webp",
};

/** `data:<media type>[;<name>=<value>]*;base64,<data>` */
const DATA_URL = /^data:([^;,]+)((?:;[^;,]+=[^;,]*)*);base64,(.*)$/is;

/**
 * An OpenAI `image_url` as an Anthropic image block: a base64 data URL becomes a base64 source, an http(s) URL
 * a URL source (Anthropic fetches it). Anything else is the client's error, reported at `param`.
 */
export function toImageBlock(url: string, param: string): ImageBlockParam {
  if (/^data:/i.test(url)) {
    const match = DATA_URL.exec(url);
    if (!match) throw invalidRequest("An image data URL must have the form data:<media type>;base64,<data>.", param);
    const declared = (match[1] ?? "").trim().toLowerCase();
    const mediaType = MEDIA_TYPES[declared];
    if (mediaType === undefined) {
      throw invalidRequest(
        `Unsupported image type '${declared}': Anthropic accepts image/jpeg, image/png, image/gif and image/webp.`,
        param,
      );
    }
    const data = (match[3] ?? "").trim();
    if (data === "") throw invalidRequest("The image data URL holds no data.", param);
    return { type: "image", source: { type: "base64", media_type: mediaType, data } };
  }
  if (isHttpUrl(url)) return { type: "image", source: { type: "url", url } };
  throw invalidRequest("An image URL must be an http(s) URL or a data:image/...;base64 URL.", param);
}

function isHttpUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}
