// aws-local-stepfunctions 3 calls Promise.withResolvers (Node 22+). Preloaded with
// `node --import ./polyfill.mjs` so Node 20 runs it too; a no-op on Node 22+.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
