"""Independent float64 reference for tests/golden.rs: schedules, timestep
spacing and whole sampling trajectories.

Regenerate the fixtures with

    python3 tests/reference/golden.py

which rewrites tests/golden/{schedules,spacing,plans}.txt. Needs numpy only.

Nothing here uses tinyscore's x̂₀-row form (`x ← a·x + b·D + c·z + d·h`).
Every formula is written the way the library it mirrors writes it, from
memory of these functions:

  * diffusers `DDPMScheduler.__init__` / `betas_for_alpha_bar` /
    `rescale_zero_terminal_snr` (beta tables), `DDIMScheduler.set_timesteps`
    (timestep spacing), `DDPMScheduler.step` (custom-timestep form with
    `previous_timestep`, diffusers PR #9384), `DDIMScheduler.step`,
    `DPMSolverMultistepScheduler` (algorithm_type="dpmsolver++",
    solver_order=2, solver_type="midpoint", final_sigmas_type="zero").
  * score_sde `sde_lib.VPSDE`, `subVPSDE`, `VESDE` (`sde`, `marginal_prob`),
    `sampling.EulerMaruyamaPredictor`, `sampling.LangevinCorrector`,
    `sampling.get_pc_sampler` (corrector before predictor, returns x_mean),
    `sampling.AncestralSamplingPredictor.vesde_update_fn` (DDPM on VE).
  * k-diffusion `sampling.sample_euler`, `sample_heun`, `sample_dpmpp_2m`
    with the `DiscreteEpsDDPMDenoiser` / `DiscreteVDDPMDenoiser` wrappers.
  * NCSN `anneal_Langevin_dynamics` (with NCSNv2's final denoising step).

Where tinyscore deliberately differs from those libraries the reference
models tinyscore's choice; each place is marked `RUNTIME CHOICE (x)` with
the letter of the list in tests/golden.rs.

File format (whitespace separated, one record per line, `#` comments):

schedules.txt
    discrete <id> <kind> <p1> <p2> <T> <ztsnr 0|1>   kind: linear,
        scaled_linear, sigmoid (p1 p2 = start end), cosine, explicit (p1 p2
        ignored, written 0 0; followed by `betas <v>...` lines)
    ab <i> <alpha_bar_i>           (for the last `discrete` record)
    sde <kind> <p1> <p2> <p3>      kind: vp, subvp (beta_min beta_max 0),
                                   ve (sigma_min sigma_max 0), ou (beta sigma t_end)
    m <t> <alpha> <sigma> <drift f(t)> <g(t)^2>
spacing.txt
    spacing <leading|trailing|linspace> <T> <N> <offset> <t_0> ... <t_{N-1}>
        (a value `E` marks a timestep >= T, which tinyscore rejects)
plans.txt
    case <name>
    schedule <discrete kind p1 p2 T ztsnr | vp b0 b1 | subvp b0 b1 | ve s0 s1 | ou b s T>
    sampler <ddpm small|ddpm large|ddim eta|euler|heun|heun-churn churn|dpmpp2m|em|langevin K eps denoise|langevin-snr K snr denoise|pc k snr>
    ref golden.py:<function> mirrors <library:function>
    spec <steps> <leading|trailing|linspace> <offset> <t_min> <eps|x0|v> <clip|none>
    net <w>
    x <x_0> <x_1>                  initial state (f32 values)
    row <t> <noisy 0|1> <z_0> <z_1> [<x_0> <x_1>]
        one per network evaluation: the time the network is evaluated at,
        whether the update adds noise, the noise it uses (f32 values; a row
        that adds no noise still lists z and must not use it) and, at
        checkpoints, the expected state after the update.
    end

The fake network (also in tests/golden.rs), for a 2-D state:
    out_0 = 0.5·tanh(x_0) + 0.1·sin(w·t)     + 0.05·x_1·cos(w·t)
    out_1 = 0.5·tanh(x_1) + 0.1·sin(w·t + 1) − 0.05·x_0·cos(w·t)
"""

from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "golden"
DIM = 2


def f64(v):
    """Shortest round-trip decimal of a float64."""
    return repr(float(v))


def f32(v):
    """Shortest round-trip decimal of a float32."""
    return str(np.float32(v))


# ---------------------------------------------------------------------------
# Schedules
# ---------------------------------------------------------------------------


def betas_for_alpha_bar(T, max_beta=0.999):
    """diffusers `betas_for_alpha_bar` (alpha_transform_type="cosine")."""

    def alpha_bar_fn(t):
        return np.cos((t + 0.008) / 1.008 * np.pi / 2) ** 2

    betas = []
    for i in range(T):
        t1 = i / T
        t2 = (i + 1) / T
        betas.append(min(1 - alpha_bar_fn(t2) / alpha_bar_fn(t1), max_beta))
    return np.array(betas, dtype=np.float64)


def rescale_zero_terminal_snr(betas):
    """diffusers `rescale_zero_terminal_snr` (Lin et al. 2023, Algorithm 1)."""
    alphas = 1.0 - betas
    alphas_cumprod = np.cumprod(alphas)
    alphas_bar_sqrt = np.sqrt(alphas_cumprod)
    a0 = alphas_bar_sqrt[0].copy()
    aT = alphas_bar_sqrt[-1].copy()
    alphas_bar_sqrt = alphas_bar_sqrt - aT
    alphas_bar_sqrt = alphas_bar_sqrt * (a0 / (a0 - aT))
    alphas_bar = alphas_bar_sqrt**2
    alphas = alphas_bar[1:] / alphas_bar[:-1]
    alphas = np.concatenate([alphas_bar[0:1], alphas])
    return 1 - alphas


def discrete_betas(kind, p1, p2, T, explicit=None):
    """diffusers `DDPMScheduler.__init__` beta tables, in float64 (diffusers
    builds `linear` and `scaled_linear` with torch.float32 linspace; tinyscore
    and this reference both work in float64)."""
    if kind == "linear":
        return np.linspace(p1, p2, T, dtype=np.float64)
    if kind == "scaled_linear":
        return np.linspace(p1**0.5, p2**0.5, T, dtype=np.float64) ** 2
    if kind == "sigmoid":
        b = np.linspace(-6, 6, T)
        return 1.0 / (1.0 + np.exp(-b)) * (p2 - p1) + p1
    if kind == "cosine":  # "squaredcos_cap_v2"
        return betas_for_alpha_bar(T)
    if kind == "explicit":  # `trained_betas`
        return np.asarray(explicit, dtype=np.float64)
    raise ValueError(kind)


def alphas_cumprod(kind, p1, p2, T, ztsnr, explicit=None):
    """`self.alphas_cumprod = torch.cumprod(1 - betas)` after the optional
    `rescale_betas_zero_snr`."""
    betas = discrete_betas(kind, p1, p2, T, explicit)
    if ztsnr:
        betas = rescale_zero_terminal_snr(betas)
    return np.cumprod(1.0 - betas)


class VPSDE:
    """score_sde `sde_lib.VPSDE` (continuous form)."""

    T = 1.0

    def __init__(self, beta_min, beta_max):
        self.beta_0, self.beta_1 = beta_min, beta_max

    def sde(self, t):
        """(f(t), g(t)^2) with drift f(t)·x."""
        beta_t = self.beta_0 + t * (self.beta_1 - self.beta_0)
        return -0.5 * beta_t, beta_t

    def log_mean_coeff(self, t):
        return -0.25 * t**2 * (self.beta_1 - self.beta_0) - 0.5 * t * self.beta_0

    def marginal_prob(self, t):
        """(mean coefficient, std). score_sde writes std = sqrt(1 - exp(2·lmc))
        in float32; -expm1 is the same number without cancellation at t → 0."""
        lmc = self.log_mean_coeff(t)
        return np.exp(lmc), np.sqrt(-np.expm1(2.0 * lmc))


class SubVPSDE(VPSDE):
    """score_sde `sde_lib.subVPSDE`."""

    def sde(self, t):
        beta_t = self.beta_0 + t * (self.beta_1 - self.beta_0)
        discount = -np.expm1(-2 * self.beta_0 * t - (self.beta_1 - self.beta_0) * t**2)
        return -0.5 * beta_t, beta_t * discount

    def marginal_prob(self, t):
        lmc = self.log_mean_coeff(t)
        return np.exp(lmc), -np.expm1(2.0 * lmc)


class VESDE:
    """score_sde `sde_lib.VESDE`."""

    T = 1.0

    def __init__(self, sigma_min, sigma_max):
        self.sigma_min, self.sigma_max = sigma_min, sigma_max

    def sde(self, t):
        sigma = self.sigma_min * (self.sigma_max / self.sigma_min) ** t
        g = sigma * np.sqrt(2 * (np.log(self.sigma_max) - np.log(self.sigma_min)))
        return 0.0, g * g

    def marginal_prob(self, t):
        return 1.0, self.sigma_min * (self.sigma_max / self.sigma_min) ** t


class OUSDE:
    """Ornstein–Uhlenbeck dX = −βX dt + σ dW (not in score_sde):
    γ_t = e^{−βt}, σ_t² = σ²/(2β)(1 − e^{−2βt})."""

    def __init__(self, beta, sigma, t_end):
        self.beta, self.sigma, self.T = beta, sigma, t_end

    def sde(self, t):
        return -self.beta, self.sigma**2

    def marginal_prob(self, t):
        var = self.sigma**2 / (2 * self.beta) * -np.expm1(-2 * self.beta * t)
        return np.exp(-self.beta * t), np.sqrt(var)


class EDMSDE:
    """Karras et al. 2022 (EDM) noise levels as a variance-preserving
    process (not in score_sde): level s(t) = (s_min^(1/ρ) + t·(s_max^(1/ρ) −
    s_min^(1/ρ)))^ρ on [0, 1], EDM state x_edm = x/α with α = 1/√(1 + s²),
    σ = s·α; f = d log α/dt, g² = −2f (VP: α² + σ² = 1)."""

    T = 1.0

    def __init__(self, sigma_min, sigma_max, rho):
        self.lo, self.hi, self.rho = sigma_min ** (1 / rho), sigma_max ** (1 / rho), rho

    def level(self, t):
        return (self.lo + t * (self.hi - self.lo)) ** self.rho

    def sde(self, t):
        s = self.level(t)
        ds = self.rho * (self.lo + t * (self.hi - self.lo)) ** (self.rho - 1) * (self.hi - self.lo)
        f = -s * ds / (1 + s * s)
        return f, -2 * f

    def marginal_prob(self, t):
        s = self.level(t)
        return 1 / np.sqrt(1 + s * s), s / np.sqrt(1 + s * s)


def make_sde(kind, p):
    return {"vp": VPSDE, "subvp": SubVPSDE, "ve": VESDE, "ou": OUSDE, "edm": EDMSDE}[kind](*p)


# ---------------------------------------------------------------------------
# Timestep spacing
# ---------------------------------------------------------------------------


def set_timesteps(spacing, T, N, offset):
    """diffusers `DDIMScheduler.set_timesteps` (same code in DDPMScheduler).
    np.round is round-half-to-even.

    `trailing` uses np.arange(T, 0, -T/N), which for some (T, N) (e.g.
    T=999, N=13) yields N+1 values, the last one -1; tinyscore always has N
    points, which are the first N of diffusers' list, so the reference keeps
    those."""
    if spacing == "linspace":
        ts = np.linspace(0, T - 1, N).round()[::-1].copy().astype(np.int64)
    elif spacing == "leading":
        step_ratio = T // N
        ts = (np.arange(0, N) * step_ratio).round()[::-1].copy().astype(np.int64)
        ts += offset
    elif spacing == "trailing":
        step_ratio = T / N
        ts = np.round(np.arange(T, 0, -step_ratio)).astype(np.int64)
        ts -= 1
        ts = ts[:N]
    else:
        raise ValueError(spacing)
    assert len(ts) == N
    return [int(t) for t in ts]


# ---------------------------------------------------------------------------
# Fake network and prediction types
# ---------------------------------------------------------------------------


def net(x, t, w):
    """Deterministic, nonlinear in x and t; the same formula is in golden.rs."""
    c, s0, s1 = np.cos(w * t), np.sin(w * t), np.sin(w * t + 1.0)
    return np.array(
        [
            0.5 * np.tanh(x[0]) + 0.1 * s0 + 0.05 * x[1] * c,
            0.5 * np.tanh(x[1]) + 0.1 * s1 - 0.05 * x[0] * c,
        ]
    )


def diffusers_x0_eps(pred, out, x, ab):
    """diffusers `DDIMScheduler.step` step 3: (pred_original_sample,
    pred_epsilon) for prediction_type epsilon / sample / v_prediction."""
    beta_prod = 1 - ab
    if pred == "eps":
        return (x - beta_prod**0.5 * out) / ab**0.5, out
    if pred == "x0":
        return out, (x - ab**0.5 * out) / beta_prod**0.5
    if pred == "v":
        return ab**0.5 * x - beta_prod**0.5 * out, ab**0.5 * out + beta_prod**0.5 * x
    raise ValueError(pred)


def denoiser_x0(pred, out, x, alpha, sigma):
    """x̂₀ from the network output at marginal (α, σ), the way the k-diffusion
    wrappers compute `denoised` in x̃ = x/α, σ̃ = σ/α:
    DiscreteEpsDDPMDenoiser: x̃ − σ̃·ε; DiscreteVDDPMDenoiser:
    x̃·c_skip + v·c_out with c_skip = 1/(σ̃²+1), c_out = −σ̃/√(σ̃²+1)
    (variance-preserving schedules only); x0-prediction: the output itself."""
    if pred == "eps":
        return x / alpha - sigma / alpha * out
    if pred == "x0":
        return out
    if pred == "v":
        st = sigma / alpha
        xt = x / alpha
        return xt / (st * st + 1) - st / np.sqrt(st * st + 1) * out
    raise ValueError(pred)


# ---------------------------------------------------------------------------
# Grids
# ---------------------------------------------------------------------------


class Point:
    def __init__(self, t, ab=None, alpha=None, sigma=None):
        """ab: DDPM's alpha_bar where it exists (discrete and VP SDEs)."""
        self.t = t
        if ab is not None:
            self.ab = ab
            alpha, sigma = np.sqrt(ab), np.sqrt(1 - ab)
        else:
            self.ab = None
        self.alpha, self.sigma = alpha, sigma


class Grid:
    """The points a plan visits. RUNTIME CHOICE (d): a continuous grid is
    linspace(T, t_min, N) (score_sde `torch.linspace(sde.T, eps, sde.N)`),
    and every sampler except annealed Langevin then steps onto the clean end
    (α = 1, σ = 0, time 0). A discrete grid is diffusers' spaced timesteps,
    then the clean end (`final_alpha_cumprod = 1`, diffusers'
    `set_alpha_to_one=True`)."""

    def __init__(self, schedule, steps, spacing, offset, t_min):
        kind = schedule[0]
        self.points = []
        if kind == "discrete":
            _, bkind, p1, p2, T, ztsnr = schedule
            ab = alphas_cumprod(bkind, p1, p2, T, ztsnr)
            for t in set_timesteps(spacing, T, steps, offset):
                self.points.append(Point(t, ab=ab[t]))
        else:
            sde = make_sde(kind, schedule[1:])
            self.sde = sde
            for t in np.linspace(sde.T, t_min, steps):
                mean, std = sde.marginal_prob(t)
                p = Point(float(t), alpha=mean, sigma=std)
                if kind == "vp":
                    p.ab = mean * mean
                self.points.append(p)
        end = Point(0.0, alpha=1.0, sigma=0.0)
        end.ab = 1.0
        self.points.append(end)


# ---------------------------------------------------------------------------
# Samplers. Each returns [(t_eval, x_after, noisy)] per network evaluation
# and uses zs[row] as that evaluation's noise when `noisy`.
# ---------------------------------------------------------------------------


def ddpm(grid, case, x, zs):
    """diffusers `DDPMScheduler.step`, custom-timestep form: prev_t is the
    next timestep of the list (`previous_timestep`), alpha_prod_t_prev = 1
    after the last, current_beta_t = 1 − ab_t/ab_prev."""
    pred, clip, variance_type = case["prediction"], case["clip"], case["sampler"][1]
    rows = []
    pts = grid.points
    n = len(pts) - 1
    for i in range(n):
        p, s = pts[i], pts[i + 1]
        out = net(x, p.t, case["w"])
        alpha_prod_t, alpha_prod_t_prev = p.ab, s.ab
        beta_prod_t, beta_prod_t_prev = 1 - alpha_prod_t, 1 - alpha_prod_t_prev
        current_alpha_t = alpha_prod_t / alpha_prod_t_prev
        current_beta_t = 1 - current_alpha_t
        x0, _ = diffusers_x0_eps(pred, out, x, alpha_prod_t)
        if clip is not None:
            x0 = np.clip(x0, -clip, clip)
        coef_x0 = alpha_prod_t_prev**0.5 * current_beta_t / beta_prod_t
        coef_xt = current_alpha_t**0.5 * beta_prod_t_prev / beta_prod_t
        x_new = coef_x0 * x0 + coef_xt * x
        # `_get_variance`
        var = (1 - alpha_prod_t_prev) / (1 - alpha_prod_t) * current_beta_t
        if variance_type == "large":
            var = current_beta_t
        # RUNTIME CHOICE (c): no noise on the step onto the clean end
        # (diffusers adds noise whenever t > 0).
        noisy = i + 1 < n
        if noisy:
            x_new = x_new + var**0.5 * zs[i]
        x = x_new
        rows.append((p.t, x, noisy))
    return rows


def ddim(grid, case, x, zs):
    """diffusers `DDIMScheduler.step` with eta, `use_clipped_model_output=True`
    (RUNTIME CHOICE (b)) and RUNTIME CHOICE (a): prev_timestep is the next
    point of the list (or the clean end, final_alpha_cumprod = 1), not
    `timestep − T // N`."""
    eta, pred, clip = case["sampler"][1], case["prediction"], case["clip"]
    rows = []
    pts = grid.points
    for i in range(len(pts) - 1):
        p, s = pts[i], pts[i + 1]
        out = net(x, p.t, case["w"])
        alpha_prod_t, alpha_prod_t_prev = p.ab, s.ab
        beta_prod_t, beta_prod_t_prev = 1 - alpha_prod_t, 1 - alpha_prod_t_prev
        x0, eps = diffusers_x0_eps(pred, out, x, alpha_prod_t)
        if clip is not None:
            x0 = np.clip(x0, -clip, clip)
            eps = (x - alpha_prod_t**0.5 * x0) / beta_prod_t**0.5
        variance = (beta_prod_t_prev / beta_prod_t) * (1 - alpha_prod_t / alpha_prod_t_prev)
        std_dev_t = eta * variance**0.5
        direction = (1 - alpha_prod_t_prev - std_dev_t**2) ** 0.5 * eps
        x = alpha_prod_t_prev**0.5 * x0 + direction
        # diffusers draws noise whenever eta > 0; it is multiplied by
        # std_dev_t = 0 on the step onto the clean end, where tinyscore
        # draws none.
        noisy = eta > 0 and std_dev_t != 0
        if noisy:
            x = x + std_dev_t * zs[i]
        rows.append((p.t, x, noisy))
    return rows


class KDenoiser:
    """A k-diffusion denoiser over the grid: model(x̃, i) = `denoised` at
    σ̃_i = σ_i/α_i. The network sees x = α_i·x̃ (c_in = α = 1/√(σ̃²+1) for
    VP, 1 for VE) and the schedule time t_i (for a discrete grid that is
    what `DiscreteSchedule.sigma_to_t` returns at these σ̃)."""

    def __init__(self, grid, case):
        self.grid, self.case = grid, case
        pts = grid.points
        self.sigmas = [p.sigma / p.alpha for p in pts[:-1]] + [0.0]

    def __call__(self, xt, i):
        p = self.grid.points[i]
        x = xt * p.alpha
        out = net(x, p.t, self.case["w"])
        return denoiser_x0(self.case["prediction"], out, x, p.alpha, p.sigma)

    def to_x(self, xt, i):
        return xt * self.grid.points[i].alpha


def to_d(x, sigma, denoised):
    """k-diffusion `to_d`."""
    return (x - denoised) / sigma


def sample_euler(grid, case, x, zs):
    """k-diffusion `sample_euler` (s_churn = 0). RUNTIME CHOICE (f)."""
    model = KDenoiser(grid, case)
    sigmas = model.sigmas
    xt = x / grid.points[0].alpha
    rows = []
    for i in range(len(sigmas) - 1):
        denoised = model(xt, i)
        d = to_d(xt, sigmas[i], denoised)
        dt = sigmas[i + 1] - sigmas[i]
        xt = xt + d * dt
        rows.append((grid.points[i].t, model.to_x(xt, i + 1), False))
    return rows


def sample_heun(grid, case, x, zs):
    """k-diffusion `sample_heun` (s_churn = 0): Heun, Euler onto σ = 0.
    Rows: the first evaluation of a step leaves the Euler predictor x_2 in
    the state, the second evaluation (at σ_{i+1}) the Heun result."""
    model = KDenoiser(grid, case)
    sigmas = model.sigmas
    xt = x / grid.points[0].alpha
    rows = []
    for i in range(len(sigmas) - 1):
        denoised = model(xt, i)
        d = to_d(xt, sigmas[i], denoised)
        dt = sigmas[i + 1] - sigmas[i]
        if sigmas[i + 1] == 0:
            xt = xt + d * dt
            rows.append((grid.points[i].t, model.to_x(xt, i + 1), False))
        elif sigmas[i] > 100.0 or sigmas[i] > 4.0 * sigmas[i + 1]:
            # RUNTIME CHOICE (h): above σ̃ = 100, or on a step dividing σ̃
            # by more than 4, the trapezoid rule in x̂₀ (the exponential
            # integrator's form) instead of in ε̂.
            ratio = sigmas[i + 1] / sigmas[i]
            x_2 = ratio * xt + (1 - ratio) * denoised
            rows.append((grid.points[i].t, model.to_x(x_2, i + 1), False))
            denoised_2 = model(x_2, i + 1)
            xt = ratio * xt + (1 - ratio) * (denoised + denoised_2) / 2
            rows.append((grid.points[i + 1].t, model.to_x(xt, i + 1), False))
        else:
            x_2 = xt + d * dt
            rows.append((grid.points[i].t, model.to_x(x_2, i + 1), False))
            denoised_2 = model(x_2, i + 1)
            d_2 = to_d(x_2, sigmas[i + 1], denoised_2)
            d_prime = (d + d_2) / 2
            xt = xt + d_prime * dt
            rows.append((grid.points[i + 1].t, model.to_x(xt, i + 1), False))
    return rows


def sample_heun_churn(grid, case, x, zs):
    """k-diffusion `sample_heun` with `s_churn` (Karras et al.'s Algorithm
    2, s_noise = 1) on the EDM schedule, the network evaluated at the
    schedule time of each level (the inverse of EDMSDE.level).
    RUNTIME CHOICE (j): no churn on the first step (k-diffusion's s_tmax
    below σ_max), and a raised level is at most the schedule's largest. The
    noise that raises step i's start is added by the row that lands on
    point i (the second evaluation of step i − 1), with that row's z."""
    sde, churn = grid.sde, case["sampler"][1]
    pts = grid.points
    n = len(pts) - 1
    sigmas = [p.sigma / p.alpha for p in pts[:-1]] + [0.0]
    gamma = min(churn / n, 2**0.5 - 1)

    def at(level):
        """(t, α) of the schedule at σ̃ = level."""
        t = (level ** (1 / sde.rho) - sde.lo) / (sde.hi - sde.lo)
        return t, 1 / np.sqrt(1 + level * level)

    def model(xt, level):
        t, alpha = at(level)
        x = xt * alpha
        out = net(x, t, case["w"])
        return denoiser_x0(case["prediction"], out, x, alpha, level * alpha)

    xt = x / pts[0].alpha
    hat = sigmas[0]
    rows = []
    for i in range(n):
        t_hat, _ = at(hat)
        denoised = model(xt, hat)
        d = to_d(xt, hat, denoised)
        dt = sigmas[i + 1] - hat
        if sigmas[i + 1] == 0:
            xt = xt + d * dt
            rows.append((t_hat, xt, False))
            continue
        if hat > 4.0 * sigmas[i + 1]:
            # RUNTIME CHOICE (h), as in sample_heun.
            ratio = sigmas[i + 1] / hat
            x_2 = ratio * xt + (1 - ratio) * denoised
            rows.append((t_hat, x_2 * pts[i + 1].alpha, False))
            denoised_2 = model(x_2, sigmas[i + 1])
            xt = ratio * xt + (1 - ratio) * (denoised + denoised_2) / 2
        else:
            x_2 = xt + d * dt
            rows.append((t_hat, x_2 * pts[i + 1].alpha, False))
            d_2 = to_d(x_2, sigmas[i + 1], model(x_2, sigmas[i + 1]))
            xt = xt + (d + d_2) / 2 * dt
        hat = min(sigmas[i + 1] * (1 + gamma), sde.level(1.0))
        xt = xt + zs[len(rows)] * np.sqrt(hat**2 - sigmas[i + 1] ** 2)
        rows.append((pts[i + 1].t, xt * at(hat)[1], True))
    return rows


def sample_dpmpp_2m_kdiffusion(grid, case, x):
    """k-diffusion `sample_dpmpp_2m`. Needs finite σ̃ (no zero-SNR point)."""
    model = KDenoiser(grid, case)
    sigmas = model.sigmas

    def t_fn(sigma):
        return -np.log(sigma)

    def sigma_fn(t):
        return np.exp(-t)

    xt = x / grid.points[0].alpha
    old_denoised = None
    out = []
    with np.errstate(divide="ignore"):
        for i in range(len(sigmas) - 1):
            denoised = model(xt, i)
            t, t_next = t_fn(sigmas[i]), t_fn(sigmas[i + 1])
            h = t_next - t
            if old_denoised is None or sigmas[i + 1] == 0:
                xt = (sigma_fn(t_next) / sigma_fn(t)) * xt - np.expm1(-h) * denoised
            else:
                h_last = t - t_fn(sigmas[i - 1])
                r = h_last / h
                denoised_d = (1 + 1 / (2 * r)) * denoised - (1 / (2 * r)) * old_denoised
                xt = (sigma_fn(t_next) / sigma_fn(t)) * xt - np.expm1(-h) * denoised_d
            old_denoised = denoised
            out.append(model.to_x(xt, i + 1))
    return out


def dpm_solver_pp_2m(grid, case, x, zs):
    """diffusers `DPMSolverMultistepScheduler.step` with
    algorithm_type="dpmsolver++", solver_order=2, solver_type="midpoint",
    final_sigmas_type="zero", lower_order_final=True (so first order on the
    last step, and on the one before it below 15 steps):
    `convert_model_output` gives x̂₀; `dpm_solver_first_order_update` on the
    first and last step, `multistep_dpm_solver_second_order_update`
    otherwise. λ = log α − log σ is −∞ at zero SNR, which makes r0 = ∞ and
    the second-order correction D1 vanish (RUNTIME CHOICE: diffusers instead
    clamps a zero terminal ᾱ to 2^-24 for this scheduler)."""
    pts = grid.points
    n = len(pts) - 1
    rows = []
    model_outputs = []
    with np.errstate(divide="ignore"):
        lam = [np.log(p.alpha) - np.log(p.sigma) for p in pts]
        for i in range(n):
            p, s = pts[i], pts[i + 1]
            out = net(x, p.t, case["w"])
            if p.ab is not None:
                x0, _ = diffusers_x0_eps(case["prediction"], out, x, p.ab)
            else:
                x0 = denoiser_x0(case["prediction"], out, x, p.alpha, p.sigma)
            model_outputs.append(x0)
            alpha_t, sigma_t = s.alpha, s.sigma
            sigma_s0 = p.sigma
            h = lam[i + 1] - lam[i]
            lower_order_final = i == n - 1
            # diffusers' `lower_order_second` (lower_order_final=True, the
            # default, and fewer than 15 steps).
            lower_order_second = i == n - 2 and n < 15
            if i == 0 or lower_order_final or lower_order_second:
                x = (sigma_t / sigma_s0) * x - alpha_t * (np.exp(-h) - 1.0) * x0
            else:
                m0, m1 = model_outputs[-1], model_outputs[-2]
                h_0 = lam[i] - lam[i - 1]
                r0 = h_0 / h
                # RUNTIME CHOICE (i): first order where the correction would
                # weight m0 − m1 by more than 1 (0.5/r0 > 1).
                D0, D1 = m0, (1.0 / r0) * (m0 - m1) if 0.5 / r0 <= 1.0 else 0.0 * m0
                x = (
                    (sigma_t / sigma_s0) * x
                    - alpha_t * (np.exp(-h) - 1.0) * D0
                    - 0.5 * alpha_t * (np.exp(-h) - 1.0) * D1
                )
            rows.append((p.t, x, False))
    return rows


def score_fn(grid, case, x, i):
    """score_sde `get_score_fn`: −ε/σ_t for an ε-network; for the other
    prediction types the same score through x̂₀: −(x − α_t·x̂₀)/σ_t²."""
    p = grid.points[i]
    out = net(x, p.t, case["w"])
    if case["prediction"] == "eps":
        return -out / p.sigma
    x0 = denoiser_x0(case["prediction"], out, x, p.alpha, p.sigma)
    return -(x - p.alpha * x0) / p.sigma**2


def euler_maruyama_update(grid, case, x, i, z):
    """score_sde `EulerMaruyamaPredictor.update_fn` on the reverse SDE
    (`sde.reverse(score_fn).sde`: drift f·x − g²·score, diffusion g).
    RUNTIME CHOICE (d): dt = t_{i+1} − t_i with t_N = 0 instead of −1/N, and
    the last step returns x_mean (score_sde's `denoise=True` output)."""
    p, s = grid.points[i], grid.points[i + 1]
    dt = s.t - p.t
    f, g2 = grid.sde.sde(p.t)
    drift = f * x - g2 * score_fn(grid, case, x, i)
    x_mean = x + drift * dt
    if i + 1 == len(grid.points) - 1:
        return x_mean, False
    return x_mean + np.sqrt(g2) * np.sqrt(-dt) * z, True


def langevin_corrector_update(grid, case, x, i, z):
    """score_sde `LangevinCorrector.update_fn`, one step, alpha = 1.
    RUNTIME CHOICE (e): step_size = 2·(snr·σ_t)², the expected-norm form of
    score_sde's `(snr·‖z‖/‖score‖)²·2·alpha` (‖z‖ ≈ √d, ‖score‖ ≈ √d/σ_t)."""
    snr = case["sampler"][2]
    grad = score_fn(grid, case, x, i)
    step_size = 2 * (snr * grid.points[i].sigma) ** 2
    x_mean = x + step_size * grad
    return x_mean + np.sqrt(step_size * 2) * z


def euler_maruyama(grid, case, x, zs):
    rows = []
    for i in range(len(grid.points) - 1):
        x, noisy = euler_maruyama_update(grid, case, x, i, zs[i])
        rows.append((grid.points[i].t, x, noisy))
    return rows


def predictor_corrector(grid, case, x, zs):
    """score_sde `get_pc_sampler`: at each t, the corrector
    (`LangevinCorrector`, n_steps = k) and then the predictor
    (`EulerMaruyamaPredictor`)."""
    k = case["sampler"][1]
    rows = []
    row = 0
    for i in range(len(grid.points) - 1):
        for _ in range(k):
            x = langevin_corrector_update(grid, case, x, i, zs[row])
            rows.append((grid.points[i].t, x, True))
            row += 1
        x, noisy = euler_maruyama_update(grid, case, x, i, zs[row])
        rows.append((grid.points[i].t, x, noisy))
        row += 1
    return rows


def annealed_langevin(grid, case, x, zs):
    """NCSN `anneal_Langevin_dynamics`: for each level σ_i,
    step_size = step_lr·(σ_i/σ_L)², n_steps_each updates
    x ← x + step_size·score + √(2·step_size)·z; then NCSNv2's denoising
    x ← x + σ_L²·score(x, σ_L), divided by α_L (Tweedie; α = 1 for VE).
    RUNTIME CHOICE (g): the levels are the grid points (no clean end); for
    VE the σ_i are recomputed here as NCSN does, geometric from σ(1) to
    σ(t_min) (`np.exp(np.linspace(log σ_begin, log σ_end, L))`)."""
    _, K, step_lr, denoise = case["sampler"]
    levels = grid.points[:-1]
    if case["schedule"][0] == "ve":
        sigmas = np.exp(np.linspace(np.log(levels[0].sigma), np.log(levels[-1].sigma), len(levels)))
        for p, sg in zip(levels, sigmas):
            assert abs(sg / p.sigma - 1) < 1e-12
            p.sigma = sg
    sigma_L = levels[-1].sigma
    step_size_of = lambda p: step_lr * (p.sigma / sigma_L) ** 2  # noqa: E731
    return langevin_rows(grid, case, x, zs, levels, K, denoise, step_size_of)


def annealed_langevin_snr(grid, case, x, zs):
    """score_sde `AnnealedLangevinDynamics.update_fn` on NCSN's levels: for
    each level, n_steps updates with step_size = (snr·std)²·2·alpha
    (std the marginal's σ), x ← x + step_size·score + √(2·step_size)·z;
    then NCSNv2's denoising as in `annealed_langevin`.
    RUNTIME CHOICE (e): alpha = 1, as for the corrector. (The exporter
    replaces these steps by ones measured on the model's trajectories,
    `LangevinCorrector`'s norm rule; docs/ARCHITECTURE.md.)"""
    _, K, snr, denoise = case["sampler"]
    levels = grid.points[:-1]
    return langevin_rows(grid, case, x, zs, levels, K, denoise, lambda p: 2 * (snr * p.sigma) ** 2)


def langevin_rows(grid, case, x, zs, levels, K, denoise, step_size_of):
    """The annealed Langevin loop of both references: K updates per level
    with step_size_of(level), then NCSNv2's denoising if asked."""
    rows = []
    row = 0
    for i, p in enumerate(levels):
        step_size = step_size_of(p)
        for _ in range(K):
            grad = score_fn(grid, case, x, i)
            x = x + step_size * grad + zs[row] * np.sqrt(step_size * 2)
            rows.append((p.t, x, True))
            row += 1
    if denoise:
        L = len(levels) - 1
        p = levels[L]
        x = (x + p.sigma**2 * score_fn(grid, case, x, L)) / p.alpha
        rows.append((p.t, x, False))
    return rows


def ancestral_sampling_ve(grid, case, x, zs):
    """score_sde `AncestralSamplingPredictor.vesde_update_fn` (DDPM
    ancestral sampling for VE, i.e. the fixed_small posterior):
    x_mean = x + score·(σ² − σ_adj²), std = √(σ_adj²(σ² − σ_adj²)/σ²).
    RUNTIME CHOICE (d): σ, σ_adj are the grid's σ(t_i), σ(t_{i+1}) with
    σ = 0 at the clean end (score_sde: `discrete_sigmas[timestep ± 1]`,
    adjacent 0 at timestep 0), so the last step is x + σ²·score (Tweedie),
    with std 0 and no noise drawn."""
    assert case["sampler"] == ("ddpm", "small")
    pts = grid.points
    rows = []
    for i in range(len(pts) - 1):
        sigma, adjacent_sigma = pts[i].sigma, pts[i + 1].sigma
        score = score_fn(grid, case, x, i)
        x_mean = x + score * (sigma**2 - adjacent_sigma**2)
        std = np.sqrt((adjacent_sigma**2 * (sigma**2 - adjacent_sigma**2)) / (sigma**2))
        noisy = std != 0
        x = x_mean + std * zs[i] if noisy else x_mean
        rows.append((pts[i].t, x, noisy))
    return rows


SAMPLERS = {
    "ddpm": ddpm,
    "ddim": ddim,
    "euler": sample_euler,
    "heun": sample_heun,
    "heun-churn": sample_heun_churn,
    "dpmpp2m": dpm_solver_pp_2m,
    "em": euler_maruyama,
    "pc": predictor_corrector,
    "langevin": annealed_langevin,
    "langevin-snr": annealed_langevin_snr,
}


MIRRORS = {
    "ddpm": "diffusers:DDPMScheduler.step",
    "ddim": "diffusers:DDIMScheduler.step",
    "sample_euler": "k-diffusion:sampling.sample_euler",
    "sample_heun": "k-diffusion:sampling.sample_heun",
    "sample_heun_churn": "k-diffusion:sampling.sample_heun(s_churn)",
    "dpm_solver_pp_2m": "diffusers:DPMSolverMultistepScheduler.step(dpmsolver++,2M)"
                        "=k-diffusion:sampling.sample_dpmpp_2m",
    "euler_maruyama": "score_sde:sampling.EulerMaruyamaPredictor",
    "predictor_corrector": "score_sde:sampling.get_pc_sampler(LangevinCorrector,EulerMaruyamaPredictor)",
    "annealed_langevin": "NCSN:anneal_Langevin_dynamics(+NCSNv2_denoise)",
    "annealed_langevin_snr": "score_sde:sampling.AnnealedLangevinDynamics(+NCSNv2_denoise)",
    "ancestral_sampling_ve": "score_sde:sampling.AncestralSamplingPredictor.vesde_update_fn",
}


def rows_of(case):
    s = case["sampler"]
    n = case["steps"]
    if s[0] in ("heun", "heun-churn"):
        return 2 * n - 1
    if s[0] in ("langevin", "langevin-snr"):
        return n * s[1] + int(s[3])
    if s[0] == "pc":
        return n * (s[1] + 1)
    return n


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

LIN = ("discrete", "linear", 1e-4, 0.02, 1000, 0)
LIN_ZT = ("discrete", "linear", 1e-4, 0.02, 1000, 1)
COS = ("discrete", "cosine", 0, 0, 1000, 0)
SCALED = ("discrete", "scaled_linear", 0.00085, 0.012, 1000, 0)
VP = ("vp", 0.1, 20.0)
SUBVP = ("subvp", 0.1, 20.0)
VE = ("ve", 0.01, 50.0)
OU = ("ou", 1.5, 0.8, 2.0)
EDM = ("edm", 0.002, 80.0, 7.0)


def case(name, schedule, sampler, steps, spacing="leading", offset=0, t_min=1e-3,
         prediction="eps", clip=None):
    return dict(name=name, schedule=schedule, sampler=sampler, steps=steps,
                spacing=spacing, offset=offset, t_min=t_min, prediction=prediction,
                clip=clip)


CASES = [
    # DDPM on the linear schedule
    case("ddpm_small_full_chain", LIN, ("ddpm", "small"), 1000),
    case("ddpm_small_leading_offset1", LIN, ("ddpm", "small"), 50, offset=1),
    case("ddpm_large_leading_offset1", LIN, ("ddpm", "large"), 50, offset=1),
    case("ddpm_large_trailing", LIN, ("ddpm", "large"), 25, spacing="trailing"),
    case("ddpm_small_linspace_x0", LIN, ("ddpm", "small"), 30, spacing="linspace", prediction="x0"),
    case("ddpm_small_clip", LIN, ("ddpm", "small"), 40, spacing="linspace", clip=1.0),
    case("ddpm_large_clip_v", LIN, ("ddpm", "large"), 20, spacing="trailing", prediction="v", clip=0.5),
    case("ddpm_small_scaled_linear", SCALED, ("ddpm", "small"), 20, spacing="trailing"),
    # DDIM
    case("ddim_eta0_leading", LIN, ("ddim", 0.0), 50),
    case("ddim_eta0_linspace", LIN, ("ddim", 0.0), 20, spacing="linspace"),
    case("ddim_eta07_trailing_7", LIN, ("ddim", 0.7), 7, spacing="trailing"),
    case("ddim_eta1_leading_offset1", LIN, ("ddim", 1.0), 20, offset=1),
    case("ddim_eta0_x0", LIN, ("ddim", 0.0), 25, prediction="x0"),
    case("ddim_eta07_v", LIN, ("ddim", 0.7), 30, spacing="trailing", prediction="v"),
    case("ddim_eta1_clip", LIN, ("ddim", 1.0), 40, clip=1.0),
    case("ddim_eta0_cosine", COS, ("ddim", 0.0), 30, spacing="trailing"),
    case("ddim_eta05_vp", VP, ("ddim", 0.5), 25),
    # zero terminal SNR, v-prediction
    case("zt_ddim_eta0_v", LIN_ZT, ("ddim", 0.0), 25, spacing="trailing", prediction="v"),
    case("zt_ddim_eta1_v", LIN_ZT, ("ddim", 1.0), 10, spacing="trailing", prediction="v"),
    case("zt_ddpm_small_v", LIN_ZT, ("ddpm", "small"), 25, spacing="trailing", prediction="v"),
    case("zt_ddpm_large_v", LIN_ZT, ("ddpm", "large"), 20, spacing="linspace", prediction="v"),
    case("zt_dpmpp2m_v", LIN_ZT, ("dpmpp2m",), 12, spacing="trailing", prediction="v"),
    # probability-flow ODE and DPM-Solver++(2M) on discrete grids
    case("euler_trailing", LIN, ("euler",), 20, spacing="trailing"),
    case("euler_linspace_v", LIN, ("euler",), 15, spacing="linspace", prediction="v"),
    case("heun_linspace", LIN, ("heun",), 15, spacing="linspace"),
    case("heun_trailing_x0", LIN, ("heun",), 10, spacing="trailing", prediction="x0"),
    case("heun_cosine", COS, ("heun",), 12, spacing="leading", offset=1),
    case("dpmpp2m_leading", LIN, ("dpmpp2m",), 20),
    case("dpmpp2m_trailing_v", LIN, ("dpmpp2m",), 10, spacing="trailing", prediction="v"),
    case("dpmpp2m_linspace_x0", LIN, ("dpmpp2m",), 7, spacing="linspace", prediction="x0"),
    case("dpmpp2m_cosine", COS, ("dpmpp2m",), 15, spacing="trailing"),
    case("langevin_discrete", LIN, ("langevin", 3, 1e-2, True), 10, spacing="trailing"),
    # VP SDE
    case("vp_em", VP, ("em",), 100),
    case("vp_pc", VP, ("pc", 1, 0.16), 40),
    case("vp_euler", VP, ("euler",), 30),
    case("vp_heun", VP, ("heun",), 15),
    case("vp_dpmpp2m", VP, ("dpmpp2m",), 20),
    case("vp_ddpm_small", VP, ("ddpm", "small"), 40),
    case("vp_langevin", VP, ("langevin", 4, 2e-6, True), 10),
    case("vp_em_x0", VP, ("em",), 30, prediction="x0"),
    # sub-VP SDE
    case("subvp_em", SUBVP, ("em",), 50),
    case("subvp_pc", SUBVP, ("pc", 2, 0.1), 15),
    # VE SDE (score_sde: t_min = 1e-5)
    case("ve_em", VE, ("em",), 100, t_min=1e-5),
    case("ve_ancestral", VE, ("ddpm", "small"), 50, t_min=1e-5),
    case("ve_pc", VE, ("pc", 2, 0.16), 30, t_min=1e-5),
    case("ve_euler", VE, ("euler",), 30, t_min=1e-5),
    case("ve_heun", VE, ("heun",), 20, t_min=1e-5),
    case("ve_dpmpp2m", VE, ("dpmpp2m",), 20, t_min=1e-5),
    case("ve_langevin_ncsn", VE, ("langevin", 5, 2e-5, True), 10, t_min=1e-5),
    case("ve_langevin_no_denoise", VE, ("langevin", 3, 5e-5, False), 12, t_min=1e-5),
    # Ornstein–Uhlenbeck
    case("ou_em", OU, ("em",), 50, t_min=1e-3),
    case("ou_heun", OU, ("heun",), 10, t_min=1e-3),
    case("ou_dpmpp2m", OU, ("dpmpp2m",), 10, t_min=1e-3),
    # EDM: its ρ-grid, v-prediction (its preconditioning at σ_data = 1)
    case("edm_heun", EDM, ("heun",), 18, prediction="v"),
    case("edm_dpmpp2m", EDM, ("dpmpp2m",), 10, prediction="v"),
    case("edm_euler_x0", EDM, ("euler",), 8, prediction="x0"),
    # annealed Langevin sized by the signal-to-noise rule
    case("ve_langevin_snr", VE, ("langevin-snr", 3, 0.16, True), 10, t_min=1e-5),
    case("langevin_snr_discrete", LIN, ("langevin-snr", 2, 0.2, False), 8, spacing="trailing"),
    # EDM's stochastic Heun
    case("edm_heun_churn", EDM, ("heun-churn", 30.0), 18, prediction="v"),
    case("edm_heun_churn_small", EDM, ("heun-churn", 2.0), 6, prediction="x0"),
]


def edm_algorithm_1(grid, case, x):
    """Karras et al. 2022, Algorithm 1 (deterministic Heun), in EDM's own
    variables: the ρ-grid σ_i = (σ_max^(1/ρ) + i/(N−1)·(σ_last^(1/ρ) −
    σ_max^(1/ρ)))^ρ with σ_last the grid's smallest level, then 0; the
    denoiser D(x; σ) = c_skip·x + c_out·F(c_in·x; σ) with σ_data = 1
    (c_skip = 1/(σ²+1), c_out = σ/√(σ²+1), c_in = 1/√(σ²+1)) and F = −v,
    the network evaluated at the schedule time of σ. Returns the final
    sample."""
    sde, n, rho = grid.sde, case["steps"], case["schedule"][3]
    s_max, s_last = sde.level(1.0), sde.level(case["t_min"])
    sig = [(s_max ** (1 / rho) + i / (n - 1) * (s_last ** (1 / rho) - s_max ** (1 / rho))) ** rho
           for i in range(n)] + [0.0]
    times = [p.t for p in grid.points]

    def denoise(xe, i):
        s = sig[i]
        f = -net(xe / np.sqrt(s * s + 1), times[i], case["w"])
        return xe / (s * s + 1) + s / np.sqrt(s * s + 1) * f

    xe = x * np.sqrt(1 + sig[0] ** 2)
    for i in range(n):
        d = (xe - denoise(xe, i)) / sig[i]
        nxt = xe + (sig[i + 1] - sig[i]) * d
        if sig[i + 1] != 0:
            d2 = (nxt - denoise(nxt, i + 1)) / sig[i + 1]
            nxt = xe + (sig[i + 1] - sig[i]) * (d + d2) / 2
        xe = nxt
    return xe


def schedule_tokens(s):
    if s[0] == "discrete":
        _, kind, p1, p2, T, zt = s
        return ["discrete", kind, f64(p1), f64(p2), str(T), str(zt)]
    return [s[0]] + [f64(v) for v in s[1:]]


def sampler_tokens(s):
    if s[0] in ("ddim", "heun-churn"):
        return [s[0], f64(s[1])]
    if s[0] in ("langevin", "langevin-snr"):
        return [s[0], str(s[1]), f64(s[2]), str(int(s[3]))]
    if s[0] == "pc":
        return ["pc", str(s[1]), f64(s[2])]
    return list(s)


def run_case(c, index):
    grid = Grid(c["schedule"], c["steps"], c["spacing"], c["offset"], c["t_min"])
    c["w"] = 0.01 if c["schedule"][0] == "discrete" else 3.0 / (grid.sde.T)
    first = grid.points[0]
    init_std = np.hypot(first.alpha, first.sigma)
    x = (np.array([0.8, -1.3]) * init_std).astype(np.float32).astype(np.float64)
    n_rows = rows_of(c)
    rng = np.random.default_rng(1000 + index)
    zs = rng.standard_normal((n_rows, DIM)).astype(np.float32).astype(np.float64)
    fn = SAMPLERS[c["sampler"][0]]
    if c["schedule"][0] == "ve" and fn is ddpm:
        fn = ancestral_sampling_ve
    rows = fn(grid, c, x.copy(), zs)
    assert len(rows) == n_rows, (c["name"], len(rows), n_rows)
    if c["sampler"][0] == "dpmpp2m" and grid.points[0].alpha > 0.0 and c["steps"] >= 15:
        # Cross-check: k-diffusion's sample_dpmpp_2m gives the same trajectory
        # (from 15 steps on: below, diffusers' lower_order_final makes the
        # step before the last first order, and k-diffusion does not; and up
        # to the first step RUNTIME CHOICE (i) takes at first order).
        kd = sample_dpmpp_2m_kdiffusion(grid, c, x.copy())
        with np.errstate(divide="ignore"):
            lam = [np.log(p.alpha) - np.log(p.sigma) for p in grid.points]
        n = len(grid.points) - 1
        capped = [i for i in range(1, n - 1)
                  if 0.5 * (lam[i + 1] - lam[i]) / (lam[i] - lam[i - 1]) > 1.0]
        same = capped[0] if capped else n
        for (_, a, _), b in list(zip(rows, kd))[:same]:
            assert np.allclose(a, b, rtol=1e-9, atol=1e-9), (c["name"], a, b)
    if c["schedule"][0] == "edm" and c["sampler"][0] == "heun":
        # Cross-check: EDM's own Heun sampler gives the same sample.
        final = edm_algorithm_1(grid, c, x.copy())
        assert np.allclose(rows[-1][1], final, rtol=1e-9, atol=1e-9), (c["name"], rows[-1][1], final)
    every = 1 if n_rows <= 64 else -(-n_rows // 48)
    lines = [
        f"case {c['name']}",
        "schedule " + " ".join(schedule_tokens(c["schedule"])),
        "sampler " + " ".join(sampler_tokens(c["sampler"])),
        "ref golden.py:" + fn.__name__ + " mirrors " + MIRRORS[fn.__name__],
        "spec {} {} {} {} {} {}".format(
            c["steps"], c["spacing"], c["offset"], f64(c["t_min"]), c["prediction"],
            "none" if c["clip"] is None else f64(c["clip"])),
        f"net {f64(c['w'])}",
        "x " + " ".join(f32(v) for v in x),
    ]
    for r, (t, xr, noisy) in enumerate(rows):
        toks = ["row", f64(t), str(int(noisy))] + [f32(v) for v in zs[r]]
        if r % every == 0 or r == n_rows - 1:
            assert np.all(np.isfinite(xr)), (c["name"], r)
            toks += ["%.12g" % v for v in xr]
        lines.append(" ".join(toks))
    lines.append("end")
    return lines


# ---------------------------------------------------------------------------
# Fixture files
# ---------------------------------------------------------------------------


def schedules_file():
    T = 1000
    rng = np.random.default_rng(7)
    explicit = np.round(rng.uniform(1e-4, 0.03, T), 6)  # short decimals
    tables = [
        ("linear", 1e-4, 0.02),
        ("scaled_linear", 0.00085, 0.012),
        ("cosine", 0, 0),
        ("sigmoid", 1e-4, 0.02),
        ("explicit", 0, 0),
    ]
    idx = sorted(set(list(range(0, 12)) + list(range(12, T - 12, 9)) + list(range(T - 12, T))))
    lines = ["# alpha_bar: diffusers DDPMScheduler betas + rescale_zero_terminal_snr, cumprod in float64"]
    for k, (kind, p1, p2) in enumerate(tables):
        for zt in (0, 1):
            ab = alphas_cumprod(kind, p1, p2, T, zt, explicit)
            lines.append(f"discrete {k}{zt} {kind} {f64(p1)} {f64(p2)} {T} {zt}")
            if kind == "explicit":
                for j in range(0, T, 25):
                    lines.append("betas " + " ".join(f64(b) for b in explicit[j:j + 25]))
            for i in idx:
                lines.append(f"ab {i} {f64(ab[i])}")
    lines.append("# SDE marginals, drift f(t) and g(t)^2: score_sde sde_lib (OU: closed form)")
    sdes = [("vp", (0.1, 20.0, 0.0)), ("subvp", (0.1, 20.0, 0.0)), ("ve", (0.01, 50.0, 0.0)),
            ("ou", (1.5, 0.8, 2.0)), ("edm", (0.002, 80.0, 7.0))]
    for kind, p in sdes:
        sde = make_sde(kind, p[:2] if kind not in ("ou", "edm") else p)
        lines.append(f"sde {kind} " + " ".join(f64(v) for v in p))
        for u in (0.0, 1e-7, 1e-5, 1e-3, 0.05, 0.1, 0.25, 0.5, 0.77, 0.9, 1.0):
            t = u * sde.T
            mean, std = sde.marginal_prob(t)
            f, g2 = sde.sde(t)
            lines.append(f"m {f64(t)} {f64(mean)} {f64(std)} {f64(f)} {f64(g2)}")
    return lines


SPACING_CASES = [
    (1000, 1, 0), (1000, 1, 1), (1000, 2, 0), (1000, 3, 0), (1000, 7, 0), (1000, 10, 1),
    (1000, 16, 0), (1000, 50, 1), (1000, 333, 1), (1000, 999, 0), (1000, 1000, 0),
    (1000, 1000, 1), (999, 13, 0), (999, 13, 3), (100, 29, 0), (10, 3, 0), (10, 4, 2),
    (10, 4, 5), (7, 7, 0), (1, 1, 0), (1, 1, 1),
]


def spacing_file():
    lines = ["# diffusers DDIMScheduler.set_timesteps (np.round = half to even)"]
    for T, N, off in SPACING_CASES:
        for sp in ("leading", "trailing", "linspace"):
            ts = set_timesteps(sp, T, N, off)
            vals = [str(t) if 0 <= t < T else "E" for t in ts]
            lines.append(f"spacing {sp} {T} {N} {off} " + " ".join(vals))
    return lines


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    header = ["# Generated by `python3 tests/reference/golden.py`; do not edit."]
    (OUT / "schedules.txt").write_text("\n".join(header + schedules_file()) + "\n")
    (OUT / "spacing.txt").write_text("\n".join(header + spacing_file()) + "\n")
    plan_lines = list(header)
    for i, c in enumerate(CASES):
        plan_lines += run_case(c, i)
    (OUT / "plans.txt").write_text("\n".join(plan_lines) + "\n")


if __name__ == "__main__":
    main()
