// How the examples end when they fail: the error's code and message (or the error itself) on stderr, exit code 1,
// and when the missing module is sharp, how to install it (it is an optional peer dependency of the package).

/** Runs an example's `main()`. `sharpFor` says what sharp does for it, for the message when sharp is not installed. */
export function runMain(main: () => Promise<void>, sharpFor?: string): void {
  main().catch((error) => {
    if (sharpFor && error && error.code === 'MODULE_NOT_FOUND' && /'sharp'/.test(error.message)) {
      console.error(`this example needs sharp to ${sharpFor}: npm install sharp`);
    } else console.error(error && error.code ? `${error.code}: ${error.message}` : error);
    process.exitCode = 1;
  });
}
