/**
 * Minimises a smooth function by L-BFGS (memory `m`) with a backtracking Armijo line search.
 * `f(x, g)` returns the value and writes the gradient into `g`. Returns the iterations used.
 */
export function lbfgs(
  f: (x: Float64Array, g: Float64Array) => number,
  x: Float64Array,
  opts: { maxIterations: number; tolerance: number; memory?: number },
): { iterations: number; value: number; gradNorm: number } {
  const n = x.length;
  const m = opts.memory ?? 10;
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const g = new Float64Array(n);
  let fx = f(x, g);
  const dir = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  const alpha = new Float64Array(m);
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
    return s;
  };
  let it = 0;
  let gNorm = Math.sqrt(dot(g, g));
  for (; it < opts.maxIterations && gNorm > opts.tolerance; it++) {
    // Two-loop recursion: dir = -H g.
    for (let i = 0; i < n; i++) dir[i] = -g[i]!;
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = rho[k]! * dot(S[k]!, dir);
      for (let i = 0; i < n; i++) dir[i] = dir[i]! - alpha[k]! * Y[k]![i]!;
    }
    if (S.length > 0) {
      const last = S.length - 1;
      const gamma = dot(S[last]!, Y[last]!) / dot(Y[last]!, Y[last]!);
      for (let i = 0; i < n; i++) dir[i] = dir[i]! * gamma;
    } else {
      for (let i = 0; i < n; i++) dir[i] = dir[i]! / Math.max(1, gNorm);
    }
    for (let k = 0; k < S.length; k++) {
      const beta = rho[k]! * dot(Y[k]!, dir);
      for (let i = 0; i < n; i++) dir[i] = dir[i]! + S[k]![i]! * (alpha[k]! - beta);
    }
    let slope = dot(g, dir);
    if (slope >= 0) {
      // Not a descent direction: restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) dir[i] = -g[i]! / Math.max(1, gNorm);
      slope = dot(g, dir);
    }
    let step = 1;
    let fNew = Number.POSITIVE_INFINITY;
    for (let ls = 0; ls < 30; ls++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i]! + step * dir[i]!;
      fNew = f(xNew, gNew);
      if (fNew <= fx + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fNew < fx)) break;
    const sK = new Float64Array(n);
    const yK = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      sK[i] = xNew[i]! - x[i]!;
      yK[i] = gNew[i]! - g[i]!;
    }
    const sy = dot(sK, yK);
    if (sy > 1e-12) {
      S.push(sK);
      Y.push(yK);
      rho.push(1 / sy);
      if (S.length > m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
    }
    const rel = Math.abs(fx - fNew) / Math.max(1, Math.abs(fx));
    x.set(xNew);
    g.set(gNew);
    fx = fNew;
    gNorm = Math.sqrt(dot(g, g));
    if (rel < 1e-10) {
      it++;
      break;
    }
  }
  return { iterations: it, value: fx, gradNorm: gNorm };
}
