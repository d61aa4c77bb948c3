import * as ds from "@devicescript/core"

console.log("gaen token firmware")
