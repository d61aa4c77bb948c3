// Node preload (`node -r ./bench/firmware/no-gc-stress.cjs <devicescript-cli.cjs> run ... --test`):
// the CLI's test mode always turns the VM's GC stress on (runTest calls inst.devsGcStress(true)),
// which makes timings several times slower than a device would see. This rewrites that one call
// to `false` as the CLI bundle is compiled. It fails loudly if the CLI no longer contains the
// call, so a benchmark never silently runs with GC stress. Only for benchmarks, never for tests.
const Module = require("node:module")

const GC_STRESS_ON = "inst.devsGcStress(true);"
const originalCompile = Module.prototype._compile
Module.prototype._compile = function (content, filename) {
    if (filename.endsWith("devicescript-cli.cjs")) {
        if (!content.includes(GC_STRESS_ON)) throw new Error(`no-gc-stress: '${GC_STRESS_ON}' not found in ${filename}; this preload needs updating`)
        content = content.replace(GC_STRESS_ON, "inst.devsGcStress(false);")
        process.stderr.write("no-gc-stress: GC stress disabled for this run\n")
    }
    return originalCompile.call(this, content, filename)
}
