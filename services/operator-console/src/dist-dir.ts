// Where the built page is: services/operator-console/dist (IC_CONSOLE_DIST_DIR overrides it in main.ts).
import path from "node:path";
import { fileURLToPath } from "node:url";

export const DIST_DIR_DEFAULT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "dist");
