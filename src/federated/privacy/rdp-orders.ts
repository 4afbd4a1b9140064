/**
 * The grid of Rényi orders α the accountant evaluates, and the one TF Privacy's DP-SGD calculator
 * uses (so that its published values can be reproduced order for order).
 */

/**
 * dp_accounting's `DEFAULT_RDP_ORDERS` (google/differential-privacy, rdp_privacy_accountant.py):
 * 1.1, 1.2, …, 10.9, then 11, 12, …, 63, then 128, 256, 512, 1024. The accountant's default.
 */
export const DEFAULT_RDP_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10),
  ...Array.from({ length: 53 }, (_, i) => 11 + i),
  128,
  256,
  512,
  1024,
]);

/**
 * The orders of TF Privacy's `compute_dp_sgd_privacy` (tensorflow_privacy/privacy/analysis/
 * compute_dp_sgd_privacy_lib.py): 1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5, 5, 6, …, 63,
 * 128, 256, 512. Used by the tests that reproduce its published values.
 */
export const TF_PRIVACY_DP_SGD_ORDERS: readonly number[] = Object.freeze([1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5, ...Array.from({ length: 59 }, (_, i) => 5 + i), 128, 256, 512]);
