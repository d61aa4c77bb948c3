// Where the repository is, and the tsx that runs its TypeScript programs (the CLIs of the server,
// the kiosk and the simulator, the demos) as their own processes, as a person starts them.
import { join } from "node:path"

export const root = new URL("../", import.meta.url).pathname
export const TSX = join(root, "node_modules/tsx/dist/cli.mjs")
