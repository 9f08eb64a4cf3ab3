// Mixture fixtures shared by the score suites.

/** A 3-D mixture with one component of each precision kind: full, diagonal and isotropic covariance. */
export const MIXED_KINDS_3D = {
  weights: [0.2, 0.5, 0.3],
  means: [
    [1, 0, -1],
    [-1, 2, 0],
    [0, -1, 1],
  ],
  covariances: [
    [
      [1, 0.3, 0],
      [0.3, 0.5, 0.1],
      [0, 0.1, 0.8],
    ],
    [0.4, 0.9, 0.2],
    0.3,
  ],
};
