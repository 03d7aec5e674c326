// npm run generate (after openapi-typescript): writes generated/gateway-fields.ts, the request fields the spec marks
// as Runestone's own, from which the code that keeps them from upstreams is derived.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { gatewayFieldsBySchema, gatewayFieldsModule } from "./gateway-fields-module.js";

const SPEC = fileURLToPath(new URL("../spec/openapi.yaml", import.meta.url));
const OUTPUT = fileURLToPath(new URL("../generated/gateway-fields.ts", import.meta.url));

writeFileSync(OUTPUT, gatewayFieldsModule(gatewayFieldsBySchema(parse(readFileSync(SPEC, "utf8")))));
console.log("generated/gateway-fields.ts written");
