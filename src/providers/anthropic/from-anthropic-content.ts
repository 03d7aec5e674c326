import type { DocumentBlockParam, ImageBlockParam } from "@anthropic-ai/sdk/resources/messages";
import type { components } from "../../../generated/openapi.js";
import { untranslatable } from "./untranslatable.js";

type Schemas = components["schemas"];
export type UserPart = Schemas["UserContentPart"];

export function textPart(text: string): Schemas["TextPart"] {
  return { type: "text", text };
}

/**
 * An Anthropic image as an OpenAI `image_url` part: base64 data as a data URL, a URL as it is. A Files API
 * `file_id` names a file stored at Anthropic, which no other provider can read: refused, at `param`.
 */
export function imagePart(image: ImageBlockParam, param: string): UserPart {
  const { source } = image;
  switch (source.type) {
    case "base64":
      return { type: "image_url", image_url: { url: `data:${source.media_type};base64,${source.data}` } };
    case "url":
      return { type: "image_url", image_url: { url: source.url } };
    default:
      throw untranslatable(
        "An image from Anthropic's Files API (file_id) can only be read by Claude models; send it as base64 or URL.",
        `${param}.source`,
      );
  }
}

/**
 * An Anthropic document as OpenAI content parts. OpenAI's chat API reads text and images, not PDFs:
 * - a plain-text document → its text; a content document → its text and images;
 * - its `title` and `context`, when given, → text parts before it (the model sees them, as Claude does);
 * - a PDF (base64 or URL) or a Files API document → refused at `<param>.source`;
 * - `citations: {enabled: true}` → refused at `<param>.citations`: the answer could not carry citations.
 */
export function documentParts(document: DocumentBlockParam, param: string): UserPart[] {
  if (document.citations?.enabled === true) {
    throw untranslatable(
      "Citations are only produced by Claude models; this request's model cannot cite documents.",
      `${param}.citations`,
    );
  }
  const header = [document.title, document.context].flatMap((text) =>
    typeof text === "string" && text !== "" ? [textPart(text)] : [],
  );
  const { source } = document;
  switch (source.type) {
    case "text":
      return [...header, textPart(source.data)];
    case "content": {
      if (typeof source.content === "string") return [...header, textPart(source.content)];
      const parts = source.content.map(
        (block, k): UserPart =>
          block.type === "text" ? textPart(block.text) : imagePart(block, `${param}.source.content[${k}]`),
      );
      return [...header, ...parts];
    }
    default:
      throw untranslatable(
        "PDF documents (and Files API documents) can only be read by Claude models; " +
          "send the document's text as a text document instead.",
        `${param}.source`,
      );
  }
}
