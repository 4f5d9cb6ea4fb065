"""attention: causal scaled dot-product attention, (b, h, L, d) float32."""
import math

import numpy as np
from common import main


def inputs(rng, dims):
    b, h, L, d = dims
    q = rng.standard_normal((b, h, L, d), dtype=np.float32)
    k = rng.standard_normal((b, h, L, d), dtype=np.float32)
    v = rng.standard_normal((b, h, L, d), dtype=np.float32)
    return q, k, v


def program(q, k, v):
    L, d = q.shape[-2], q.shape[-1]
    s = np.einsum("bhid,bhjd->bhij", q, k) / math.sqrt(d)
    mask = np.arange(L)[None, :] <= np.arange(L)[:, None]
    s = np.where(mask, s, -np.inf)
    e = np.exp(s - s.max(-1, keepdims=True))
    p = e / e.sum(-1, keepdims=True)
    return p @ v


if __name__ == "__main__":
    main(inputs, program)
