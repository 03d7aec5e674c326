// npm run hash-key -- [key]: prints the SHA-256 digest to put in the config file's api_keys.
// Without a key, makes a new random one and prints both (the key is shown once; store only the digest).
import { randomBytes } from "node:crypto";
import { hashApiKey } from "../src/tenants/tenant-directory.js";

const given = process.argv[2];
const key = given ?? `rsk_${randomBytes(24).toString("base64url")}`;
if (!given) console.log(`key:    ${key}`);
console.log(`sha256: ${hashApiKey(key)}`);
