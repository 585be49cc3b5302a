export { type EmulatedJob, type EmulatorOptions, type PaperCondition, PrinterEmulator } from './emulator.js';
export { type Command, EscPosParser } from './parser.js';
export { type RasterImage, rasterToPng, readPng, stackBands } from './raster-png.js';
