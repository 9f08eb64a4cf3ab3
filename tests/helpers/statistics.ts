// The one tolerance of the statistical tests: k·SE with k = 5, SE computed from the sample or the exact law, never tuned.
export const K_SE = 5;
