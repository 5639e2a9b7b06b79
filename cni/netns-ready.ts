/**
 * The wait for a netns that berth's supervisor is still making while the ADD starts in berth's
 * process (PluginIO.netnsReady): what a plugin or delegate that does not await it itself waits for.
 */

/**
 * Waits until a plugin that does not await the netns itself may start: for ADD until the netns is
 * there (rejecting when it will never be), for the other commands until it is there or never will be.
 */
export async function untilNetns(ready: Promise<void> | undefined, command: string): Promise<void> {
  if (ready) await (command === 'ADD' ? ready : ready.catch(() => {}));
}
