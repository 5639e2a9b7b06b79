/** A netns promise that a test makes ready or fails by hand, as berth's start hands one to in-process plugins. */
export function pendingNetns(): { promise: Promise<void>; ready: () => void; fail: (err: Error) => void } {
  let ready!: () => void, fail!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    ready = res;
    fail = rej;
  });
  return { promise, ready, fail };
}
