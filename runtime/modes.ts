// MXNet's autograd modes (recording, training), apart from ./autograd.ts so that the markers
// (./index.ts) reach them without the NDArray runtime.
let recording = false;
let training = false;

/** MXNet's autograd state: recording inside `record`, training unless told otherwise. */
export const modes = {
  isRecording: (): boolean => recording,
  isTraining: (): boolean => training,
  /** Sets whether operations are recorded; returns the previous setting. */
  setRecording(flag: boolean): boolean {
    const previous = recording;
    recording = flag;
    return previous;
  },
  /** Sets training (true) or prediction mode; returns the previous setting. */
  setTraining(flag: boolean): boolean {
    const previous = training;
    training = flag;
    return previous;
  },
};

/** Runs `block` with the modes set (`recording` undefined: as it is), then restores them. */
export function inModes<T>(recording: boolean | undefined, training: boolean, block: () => T): T {
  const wasRecording = recording === undefined ? modes.isRecording() : modes.setRecording(recording);
  const wasTraining = modes.setTraining(training);
  try {
    return block();
  } finally {
    modes.setRecording(wasRecording);
    modes.setTraining(wasTraining);
  }
}
