"""Derives the polynomial of backend/cpu/Exp.java: e^r ~ 1 + r + c2 r^2 + ... + c6 r^6 on |r| <= ln2/2.

1 and r are kept exact (so that e^r ~ 1 + r stays right near 0); c2..c6 minimise the maximum relative error,
approximated by Lawson's iteration (least squares reweighted by the error) on Chebyshev-spaced points, then
rounded to float32. Prints the coefficients as Java float literals and the error left by the polynomial with
those rounded coefficients (the float arithmetic of Exp adds its own rounding on top; ExpTest measures the total).

    python3 tools/exp_coefficients.py
"""
import numpy as np

h = np.log(2) / 2 * 1.0001                       # |r| <= ln2/2, plus the reduction's rounding
r = np.cos(np.linspace(0, np.pi, 4001)) * h
f = np.exp(r)
A = np.stack([r ** k for k in range(2, 7)], axis=1)
b = f - 1 - r
w = np.ones_like(r)
for _ in range(200):
    sw = np.sqrt(w) / f
    c, *_ = np.linalg.lstsq(A * sw[:, None], b * sw, rcond=None)
    e = np.abs(A @ c - b) / f
    w = w * e
    w /= w.sum()
c32 = c.astype(np.float32)
err = (np.abs(1 + r + A @ c32.astype(np.float64) - f) / f).max()
for k, x in zip(range(2, 7), c32):
    print("C%d = %sf (bits 0x%08x)" % (k, repr(float(x)), x.view(np.uint32)))
print("max relative error of the polynomial: %.3e = %.3f x 2^-23" % (err, err / 2 ** -23))
