// Every constant of the simulated world in one place: the radio channel's physics, the model's
// chosen values (with where they come from), and how fast the world dares to run.
// Sources:
//   [core]     Bluetooth Core Specification 5.3, Vol 6 Part B (link layer): advertising channels,
//              access address, PDU format, CRC; Vol 6 Part A (1 Msym/s LE 1M PHY)
//   [friis]    Friis transmission equation: free-space path loss = 20·log10(4·π·d / λ)
//   [marolf]   M. Marolf, "Path loss constant and RSSI distribution" (2020), BLE RSSI measured at
//              0.5–4 m indoors, 350 samples per distance: −47.9 dBm at 1 m, fitted path-loss
//              exponent n = 2.415, standard deviation 1.5–3.7 dB per distance.
//              https://blog.markmarolf.com/documentation/05-11-path-loss-constant/
//   [body]     Ł. Januszkiewicz, "Analysis of Human Body Shadowing Effect on Wireless Sensor
//              Networks Operating in the 2.4 GHz Band", Sensors 18(10):3412 (2018),
//              https://doi.org/10.3390/s18103412 — how a human body in the path raises the path
//              loss at 2.4 GHz; D. J. Leith, S. Farrell, "Coronavirus Contact Tracing: Evaluating
//              the Potential of Using Bluetooth Received Signal Strength for Proximity Detection"
//              (Trinity College Dublin, May 2020): RSSI between carried phones varies substantially
//              with absorption by the body. Neither gives one number for two worn tokens.
//   [esp32]    Espressif, ESP32 Series Datasheet, "Bluetooth LE radio — receiver": sensitivity
//              −97 dBm (1 Mbps).
//   [gaen]     Apple & Google, Exposure Notification Bluetooth Specification v1.2: advertising
//              interval 200–270 ms; Google, "Exposure Notifications BLE attenuations":
//              attenuation = TX power − RSSI.
//   [cocoa]    COCOA's last exposure configuration (data/cocoa-exposure-configuration.json):
//              attenuation buckets 46 / 60 / 65 dB = immediate / near / medium / other.

// ---- Radio physics ----------------------------------------------------------------------------

/** Centre of the 2.4 GHz band; advertising channels 37/38/39 are 2402/2426/2480 MHz. [core] */
export const CARRIER_HZ = 2.44e9
const SPEED_OF_LIGHT = 299_792_458
/** Free-space path loss at the 1 m reference distance: 20·log10(4π / λ) = 40.2 dB. [friis] */
export const FREE_SPACE_LOSS_AT_1M_DB = 20 * Math.log10((4 * Math.PI * CARRIER_HZ) / SPEED_OF_LIGHT)
/** On-air time of one ADV_NONCONN_IND with 31 bytes of data on the LE 1M PHY: preamble 1 +
 *  access address 4 + header 2 + address 6 + data 31 + CRC 3 = 47 bytes × 8 µs. [core] */
export const ADV_PACKET_AIRTIME_MS = (47 * 8) / 1000
/** Access address of every advertising-channel packet. [core] */
export const ADVERTISING_ACCESS_ADDRESS = 0x8e89bed6
/** CRC initial value on the advertising channels. [core] */
export const ADVERTISING_CRC_INIT = 0x555555

// ---- The channel model: RSSI = TxPower − PL(d0) − body − 10·n·log10(d/d0) + X_σ ------------------

export interface ChannelModel {
    /** Reference distance d0 in metres. */
    referenceDistanceM: number
    /** Path loss from the antenna to d0 in dB (free space). */
    referenceLossDb: number
    /** Extra loss because tokens are worn on bodies (clothing, the wearers in the path), dB. */
    bodyLossDb: number
    /** Path-loss exponent n. */
    pathLossExponent: number
    /** Standard deviation σ of the per-packet Gaussian fading term, dB. */
    fadingSigmaDb: number
    /** Probability that a packet is lost for reasons other than collisions and weak signal
     *  (2.4 GHz interference, the scanner busy elsewhere). */
    baseLossProbability: number
    /** Weakest signal a receiver decodes, dBm. */
    sensitivityDbm: number
    /** Distances below this count as this (the log model diverges at 0), metres. */
    minimumDistanceM: number
}

/**
 * The default channel. Checks on the numbers (TX power −8 dBm, the simulated board's):
 * at 1 m mean RSSI = −8 − 40.2 − 10 = −58.2 dBm, attenuation 50 dB (COCOA "near");
 * at 10 m −82.4 dBm, attenuation 74 dB (beyond COCOA's last bucket at 65 dB: "other").
 * [marolf] measured −47.9 dBm at 1 m with a line of sight; the 10 dB body loss [body] is our
 * choice for two people wearing tokens and is the one number here that is a judgement.
 */
export const DEFAULT_CHANNEL: ChannelModel = {
    referenceDistanceM: 1,
    referenceLossDb: FREE_SPACE_LOSS_AT_1M_DB, // [friis]
    bodyLossDb: 10, // [body], chosen
    pathLossExponent: 2.4, // [marolf] fitted 2.415 indoors
    fadingSigmaDb: 3, // [marolf] 1.5–3.7 dB measured per distance
    baseLossProbability: 0.05, // chosen: a quiet room loses few packets
    sensitivityDbm: -97, // [esp32]
    minimumDistanceM: 0.1,
}

/** Attenuation (TX power − RSSI) at or below which COCOA counted a scan as "near" (≤ 60 dB); the
 *  world calls such a record "close" as a kiosk would. [cocoa] */
export const CLOSE_CONTACT_MAX_ATTENUATION_DB = 60

/** Bounds the scenario validator enforces on channel overrides (sanity, not physics). */
export const CHANNEL_LIMITS: Record<keyof ChannelModel, [number, number]> = {
    referenceDistanceM: [0.01, 10],
    referenceLossDb: [0, 100],
    bodyLossDb: [0, 60],
    pathLossExponent: [1, 6],
    fadingSigmaDb: [0, 20],
    baseLossProbability: [0, 1],
    sensitivityDbm: [-130, -40],
    minimumDistanceM: [0.001, 10],
}

// ---- The simulated world's extent ------------------------------------------------------------

/** Positions are metres on a plane; this bounds |x| and |y| (a city, not a planet). */
export const MAX_COORDINATE_M = 100_000

// ---- Speed --------------------------------------------------------------------------------------

/**
 * Fastest the world asks for (simulated seconds per real second). Tokens on virtual time cannot fall
 * out of step (the clock waits for the slowest), so this only bounds how far ahead the world's
 * clock may plan; one token alone manages about 1,400× on this project's 2-core machine.
 */
export const DEFAULT_MAX_SCALE = 2000
/** Speed while the world acts on tokens (boot, set time, button, power): a person's 30-second
 *  window for a button press lasts 1.5 real seconds. */
export const CALM_SCALE = 20
/** Real milliseconds before a scenario event at which the world slows down to CALM_SCALE, so
 *  that the event happens on time despite timer granularity at full speed. */
export const SLOW_DOWN_LEAD_REAL_MS = 40
/** Share of the machine's cores the token processes may use before the governor slows down. */
export const CPU_TARGET_SHARE = 0.8
/** How often the governor looks at CPU use, real ms. */
export const GOVERNOR_PERIOD_REAL_MS = 1000
/** Tokens booting at once (each costs ~1 s of one core). */
export const BOOT_CONCURRENCY = 4
/** Real ms a token may take to boot when many boot together. */
export const BOOT_TIMEOUT_REAL_MS = 90_000
/** Real ms the world waits, at the calm speed, for a token to go on air after its clock is set
 *  (the firmware advertises within its 5-second beacon loop). */
export const FIRST_ADVERTISEMENT_WAIT_REAL_MS = 5_000
