#!/usr/bin/env node
// The `kit` command. The pipeline is TypeScript under scripts/; tsx lets
// Node 20 run it directly, with no compile step to forget.
import { register } from "tsx/esm/api";

register();
await import("../scripts/cli/kit.ts");
