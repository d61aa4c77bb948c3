// Where one token is over time: waypoints joined by straight-line walks, optionally repeating
// (a daily routine). A token "away" is out of everyone's radio range.

export interface Position {
    x: number
    y: number
}

export interface Waypoint {
    /** Milliseconds after the scenario start (within the period for a repeating track). */
    atMs: number
    /** Where the token is, or null: away (out of range of everyone). */
    position: Position | null
}

export function distanceM(a: Position, b: Position): number {
    return Math.hypot(a.x - b.x, a.y - b.y)
}

export class Track {
    private waypoints: Waypoint[]
    private repeatEveryMs: number | undefined

    /** `waypoints` sorted by time, the first at 0; with `repeatEveryMs` all lie within one period. */
    constructor(waypoints: Waypoint[], repeatEveryMs?: number) {
        if (!waypoints.length || waypoints[0].atMs !== 0) throw new Error("a track starts with a waypoint at time 0")
        for (let i = 1; i < waypoints.length; i++) if (waypoints[i].atMs < waypoints[i - 1].atMs) throw new Error("track waypoints must be in time order")
        if (repeatEveryMs !== undefined && waypoints[waypoints.length - 1].atMs >= repeatEveryMs)
            throw new Error("a repeating track's waypoints must lie within one period")
        this.waypoints = waypoints.map(w => ({ atMs: w.atMs, position: w.position && { ...w.position } }))
        this.repeatEveryMs = repeatEveryMs
    }

    /** Position `tMs` after the scenario start, or null while away. */
    positionAt(tMs: number): Position | null {
        const period = this.repeatEveryMs
        const t = period === undefined ? tMs : ((tMs % period) + period) % period
        const w = this.waypoints
        // The last waypoint at or before t (binary search; tracks of a long scenario are long).
        let lo = 0
        let hi = w.length - 1
        while (lo < hi) {
            const mid = (lo + hi + 1) >> 1
            if (w[mid].atMs <= t) lo = mid
            else hi = mid - 1
        }
        const from = w[lo]
        // The next waypoint; a repeating track walks from its last waypoint to the next period's first.
        const next = lo + 1 < w.length ? w[lo + 1] : period !== undefined ? { atMs: period, position: w[0].position } : undefined
        if (!from.position) return null
        if (!next || !next.position || next.atMs === from.atMs) return { ...from.position }
        const f = (t - from.atMs) / (next.atMs - from.atMs)
        return { x: from.position.x + f * (next.position.x - from.position.x), y: from.position.y + f * (next.position.y - from.position.y) }
    }

    /** From `tMs` on, the token stays at `position` (null: away): a live move, a jump that drops
     *  the rest of the plan. A repeating track is frozen where it was (its past only matters for the
     *  seconds of a scan window that is still running). */
    moveTo(tMs: number, position: Position | null): void {
        const here = this.positionAt(tMs)
        const past = this.repeatEveryMs === undefined ? this.waypoints.filter(w => w.atMs < tMs) : [{ atMs: 0, position: here }]
        this.waypoints = [...past, { atMs: tMs, position: here }, { atMs: tMs, position: position && { ...position } }]
        if (this.waypoints[0].atMs !== 0) this.waypoints.unshift({ atMs: 0, position: here })
        this.repeatEveryMs = undefined
    }
}
