// The log-distance path-loss model with log-normal fading (constants and sources: ./constants.ts):
//   RSSI = TxPower − PL(d0) − bodyLoss − 10·n·log10(d / d0) + X_σ
import { DEFAULT_CHANNEL, type ChannelModel } from "./constants.js"

/** Mean path loss in dB between two worn tokens `distanceM` apart (without fading). */
export function pathLossDb(distanceM: number, model: ChannelModel = DEFAULT_CHANNEL): number {
    if (!(distanceM >= 0)) throw new RangeError(`path loss: distance must be a non-negative number of metres, got ${distanceM}`)
    const d = Math.max(distanceM, model.minimumDistanceM)
    return model.referenceLossDb + model.bodyLossDb + 10 * model.pathLossExponent * Math.log10(d / model.referenceDistanceM)
}

/** Mean RSSI in dBm of a sender with calibrated `txPowerDbm` heard `distanceM` away. */
export function meanRssiDbm(txPowerDbm: number, distanceM: number, model: ChannelModel = DEFAULT_CHANNEL): number {
    return txPowerDbm - pathLossDb(distanceM, model)
}

/** One packet's RSSI: the mean plus fading `standardNormal`·σ (the caller draws the normal number). */
export function packetRssiDbm(txPowerDbm: number, distanceM: number, standardNormal: number, model: ChannelModel = DEFAULT_CHANNEL): number {
    return meanRssiDbm(txPowerDbm, distanceM, model) + standardNormal * model.fadingSigmaDb
}

/** Distance at which the mean RSSI falls to `rssiDbm` (inverse of meanRssiDbm). */
export function distanceForRssi(txPowerDbm: number, rssiDbm: number, model: ChannelModel = DEFAULT_CHANNEL): number {
    const beyondReference = txPowerDbm - rssiDbm - model.referenceLossDb - model.bodyLossDb
    return model.referenceDistanceM * 10 ** (beyondReference / (10 * model.pathLossExponent))
}
