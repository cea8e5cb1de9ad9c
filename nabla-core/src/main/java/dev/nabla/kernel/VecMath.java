package dev.nabla.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API transcendental kernels in float32 for the elementwise hot loops (GELU, the LSTM gates): e^x, tanh,
 * σ, exact (erf) GELU and tanh-GELU with their gradients, each accurate to a few float ulps (VecMathTest bounds
 * the error against double-precision references). The scalar loops they replace called {@link Math#exp} in double
 * once or twice per element, which C2 does not vectorise: GELU forward and backward were a third of a GPT step.
 *
 * <p>e^x: x = n·ln2 + r with |r| ≤ ln2/2 (n rounded with the 1.5·2²³ trick, ln2 split in two so that n·ln2_hi is
 * exact), e^r from its Taylor series to r⁷ (truncation below 6e-9), times 2ⁿ built in the exponent bits as two
 * factors 2^(n/2), so that denormals and overflow to +inf need no blend. tanh uses expm1 (the reduced part kept as
 * e^r − 1) so that it stays accurate near 0. erfc is the Chebyshev-fitted t·exp(−z² + P(t)), t = 1/(1 + z/2)
 * (fractional error below 1.2e-7), with z² split into its float and its rounding error so that GELU's tail keeps
 * its relative accuracy.
 *
 * <p>Why the math is written out inside each loop instead of in FloatVector → FloatVector helpers: such a helper,
 * called once per vector, is hot on its own and C2 compiles it standalone before the loop's OSR compilation; the
 * loop then cannot inline it ("already compiled into a medium method") and every call boxes its vectors: the
 * helper version ran at 2.5 ns per element, slower than the scalar loop. Calls that pass arrays do not box.
 *
 * <p>Kernels run whole vectors and the last partial vector through a zero-padded lane buffer, so every element
 * takes the same code path whatever its position (results do not depend on the split over threads).
 */
public final class VecMath {
    private VecMath() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float MAGIC = 12582912f; // 1.5·2²³: adding it rounds to an integer in the low mantissa bits
    private static final int MAGIC_BITS = 0x4B400000;
    private static final float C2 = 1f / 2, C3 = 1f / 6, C4 = 1f / 24, C5 = 1f / 120, C6 = 1f / 720, C7 = 1f / 5040;
    private static final float SQRT1_2 = 0.70710678118654752f;
    private static final float INV_SQRT_2PI = 0.39894228040143268f;
    private static final float K_TANH = 0.79788456080286536f, C_TANH = 0.044715f;

    /** Which function a kernel applies. */
    public enum Fn { EXP, TANH, SIGMOID, GELU, GELU_TANH }

    /** Below this many elements {@link #map} stays on the caller's thread. */
    static final int GRAIN = 1 << 14;

    /** out[oo+i] = fn(in[io+i]) for i in [0, n), split over the pool. */
    public static void map(Fn fn, float[] in, int io, float[] out, int oo, int n) {
        Parallel.forRange(n, GRAIN, (from, to) -> apply(fn, in, io + from, out, oo + from, to - from));
    }

    /** out[oo+i] = fn(in[io+i]) for i in [0, n), on the caller's thread ({@code out} may be {@code in}). */
    public static void apply(Fn fn, float[] in, int io, float[] out, int oo, int n) {
        int whole = n / L * L;
        body(fn, in, io, out, oo, whole);
        if (whole < n) {
            float[] lane = new float[L];
            System.arraycopy(in, io + whole, lane, 0, n - whole);
            body(fn, lane, 0, lane, 0, L);
            System.arraycopy(lane, 0, out, oo + whole, n - whole);
        }
    }

    private static void body(Fn fn, float[] in, int io, float[] out, int oo, int n) {
        switch (fn) {
            case EXP -> expBody(in, io, out, oo, n);
            case TANH -> tanhBody(in, io, out, oo, n);
            case SIGMOID -> sigmoidBody(in, io, out, oo, n);
            case GELU -> geluBody(in, io, out, oo, n);
            case GELU_TANH -> geluTanhBody(in, io, out, oo, n);
        }
    }

    /** out[oo+i] = g[go+i]·gelu'(in[io+i]) (exact, or the tanh form), split over the pool. */
    public static void geluBackward(boolean tanhForm, float[] in, int io, float[] g, int go, float[] out, int oo, int n) {
        Parallel.forRange(n, GRAIN, (from, to) -> {
            int len = to - from, whole = len / L * L;
            gradBody(tanhForm, in, io + from, g, go + from, out, oo + from, whole);
            if (whole < len) {
                float[] lx = new float[L], lg = new float[L];
                System.arraycopy(in, io + from + whole, lx, 0, len - whole);
                System.arraycopy(g, go + from + whole, lg, 0, len - whole);
                gradBody(tanhForm, lx, 0, lg, 0, lx, 0, L);
                System.arraycopy(lx, 0, out, oo + from + whole, len - whole);
            }
        });
    }

    /**
     * a[off+i] = e^(a[off+i] − shift) for i in [0, n), returning their sum (a softmax row's numerators), on the
     * caller's thread. Whole vectors run unmasked and only the last partial one under a lane mask: a mask on every
     * vector cost as much as the exponentials on the short rows of block-wise attention. Short rows allocate nothing.
     */
    public static float expShiftSum(float[] a, int off, int n, float shift) {
        FloatVector vLog2e = FloatVector.broadcast(S, LOG2E), vMagic = FloatVector.broadcast(S, MAGIC);
        FloatVector vNegLn2Hi = FloatVector.broadcast(S, -LN2_HI), vNegLn2Lo = FloatVector.broadcast(S, -LN2_LO);
        FloatVector vC5 = FloatVector.broadcast(S, C5), vC4 = FloatVector.broadcast(S, C4);
        FloatVector vC3 = FloatVector.broadcast(S, C3), vC2 = FloatVector.broadcast(S, C2);
        FloatVector sum = FloatVector.zero(S);
        for (int i = 0; i < n; i += L) {
            boolean whole = i + L <= n;
            FloatVector x = (whole ? FloatVector.fromArray(S, a, off + i)
                    : FloatVector.fromArray(S, a, off + i, S.indexInRange(i, n))).sub(shift);
            FloatVector ec = x.max(-104f).min(89f), ev = ec.fma(vLog2e, vMagic);
            IntVector en = ev.reinterpretAsInts().sub(MAGIC_BITS), en1 = en.lanewise(VectorOperators.ASHR, 1);
            FloatVector enf = ev.sub(MAGIC), er = enf.fma(vNegLn2Lo, enf.fma(vNegLn2Hi, ec));
            FloatVector eq = er.fma(C7, C6).fma(er, vC5).fma(er, vC4).fma(er, vC3).fma(er, vC2).mul(er).fma(er, er);
            FloatVector y = eq.add(1f).mul(en1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .mul(en.sub(en1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            if (whole) {
                y.intoArray(a, off + i);
                sum = sum.add(y);
            } else {
                var m = S.indexInRange(i, n);
                y.intoArray(a, off + i, m);
                sum = sum.add(y, m);
            }
        }
        return sumLanes(sum);
    }

    /**
     * The sum of {@code v}'s lanes, added in one fixed order (lane 0 first). {@code reduceLanes(ADD)} leaves the
     * order to the implementation, and a method's interpreted and compiled forms add in different orders: the last
     * bits of a conv's weight gradient depended on when the JIT reached it, and two runs of one seed drifted apart.
     */
    public static float sumLanes(FloatVector v) {
        // lane by lane rather than through a float[] copy, which C2 did not always scalar-replace (5 % of gpt's bytes)
        float s = v.lane(0);
        for (int i = 1; i < v.length(); i++) s += v.lane(i);
        return s;
    }

    private static void gradBody(boolean tanhForm, float[] in, int io, float[] g, int go, float[] out, int oo, int n) {
        if (tanhForm) geluTanhGradBody(in, io, g, go, out, oo, n);
        else geluGradBody(in, io, g, go, out, oo, n);
    }

    /** out = e^x. Whole vectors only: {@code n} is a multiple of the vector length. */
    private static void expBody(float[] in, int io, float[] out, int oo, int n) {
        FloatVector vLog2e = FloatVector.broadcast(S, LOG2E), vMagic = FloatVector.broadcast(S, MAGIC);
        FloatVector vNegLn2Hi = FloatVector.broadcast(S, -LN2_HI), vNegLn2Lo = FloatVector.broadcast(S, -LN2_LO);
        FloatVector vC5 = FloatVector.broadcast(S, C5), vC4 = FloatVector.broadcast(S, C4);
        FloatVector vC3 = FloatVector.broadcast(S, C3), vC2 = FloatVector.broadcast(S, C2);
        FloatVector vOne = FloatVector.broadcast(S, 1f), vMinus1 = FloatVector.broadcast(S, -1f);
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, in, io + i);
            // y = e^x (inline: see the class comment)
            FloatVector ec = x.max(-104f).min(89f), ev = ec.fma(vLog2e, vMagic);
            IntVector en = ev.reinterpretAsInts().sub(MAGIC_BITS), en1 = en.lanewise(VectorOperators.ASHR, 1);
            FloatVector enf = ev.sub(MAGIC), er = enf.fma(vNegLn2Lo, enf.fma(vNegLn2Hi, ec));
            FloatVector eq = er.fma(C7, C6).fma(er, vC5).fma(er, vC4).fma(er, vC3).fma(er, vC2).mul(er).fma(er, er);
            FloatVector y = eq.add(1f).mul(en1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .mul(en.sub(en1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            y.intoArray(out, oo + i);
        }
    }

    /** out = 1/(1 + e^(−x)). Whole vectors only: {@code n} is a multiple of the vector length. */
    private static void sigmoidBody(float[] in, int io, float[] out, int oo, int n) {
        FloatVector vLog2e = FloatVector.broadcast(S, LOG2E), vMagic = FloatVector.broadcast(S, MAGIC);
        FloatVector vNegLn2Hi = FloatVector.broadcast(S, -LN2_HI), vNegLn2Lo = FloatVector.broadcast(S, -LN2_LO);
        FloatVector vC5 = FloatVector.broadcast(S, C5), vC4 = FloatVector.broadcast(S, C4);
        FloatVector vC3 = FloatVector.broadcast(S, C3), vC2 = FloatVector.broadcast(S, C2);
        FloatVector vOne = FloatVector.broadcast(S, 1f), vMinus1 = FloatVector.broadcast(S, -1f);
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, in, io + i);
            // e = e^x.neg() (inline: see the class comment)
            FloatVector ec = x.neg().max(-104f).min(89f), ev = ec.fma(vLog2e, vMagic);
            IntVector en = ev.reinterpretAsInts().sub(MAGIC_BITS), en1 = en.lanewise(VectorOperators.ASHR, 1);
            FloatVector enf = ev.sub(MAGIC), er = enf.fma(vNegLn2Lo, enf.fma(vNegLn2Hi, ec));
            FloatVector eq = er.fma(C7, C6).fma(er, vC5).fma(er, vC4).fma(er, vC3).fma(er, vC2).mul(er).fma(er, er);
            FloatVector e = eq.add(1f).mul(en1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .mul(en.sub(en1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            FloatVector y = vOne.div(e.add(1f));
            y.intoArray(out, oo + i);
        }
    }

    /** out = tanh x = sign(x)·(−m/(2 + m)), m = expm1(−2|x|). Whole vectors only: {@code n} is a multiple of the vector length. */
    private static void tanhBody(float[] in, int io, float[] out, int oo, int n) {
        FloatVector vLog2e = FloatVector.broadcast(S, LOG2E), vMagic = FloatVector.broadcast(S, MAGIC);
        FloatVector vNegLn2Hi = FloatVector.broadcast(S, -LN2_HI), vNegLn2Lo = FloatVector.broadcast(S, -LN2_LO);
        FloatVector vC5 = FloatVector.broadcast(S, C5), vC4 = FloatVector.broadcast(S, C4);
        FloatVector vC3 = FloatVector.broadcast(S, C3), vC2 = FloatVector.broadcast(S, C2);
        FloatVector vOne = FloatVector.broadcast(S, 1f), vMinus1 = FloatVector.broadcast(S, -1f);
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, in, io + i);
            // m = e^x.abs().mul(-2f) − 1 = 2ⁿ·(e^r − 1) + (2ⁿ − 1), exactly e^r − 1 when n = 0
            FloatVector mc = x.abs().mul(-2f).max(-30f).min(89f), mv = mc.fma(vLog2e, vMagic);
            IntVector mn = mv.reinterpretAsInts().sub(MAGIC_BITS), mn1 = mn.lanewise(VectorOperators.ASHR, 1);
            FloatVector mnf = mv.sub(MAGIC), mr = mnf.fma(vNegLn2Lo, mnf.fma(vNegLn2Hi, mc));
            FloatVector mq = mr.fma(C7, C6).fma(mr, vC5).fma(mr, vC4).fma(mr, vC3).fma(mr, vC2).mul(mr).fma(mr, mr);
            FloatVector ms1 = mn1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector ms2 = mn.sub(mn1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector m = mq.mul(ms1).fma(ms2, ms1.fma(ms2, vMinus1));
            FloatVector t = m.neg().div(m.add(2f));
            FloatVector y = t.reinterpretAsInts().and(0x7FFFFFFF).or(x.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats();
            y.intoArray(out, oo + i);
        }
    }

    /** out = x·Φ(x). Whole vectors only: {@code n} is a multiple of the vector length. */
    private static void geluBody(float[] in, int io, float[] out, int oo, int n) {
        FloatVector vLog2e = FloatVector.broadcast(S, LOG2E), vMagic = FloatVector.broadcast(S, MAGIC);
        FloatVector vNegLn2Hi = FloatVector.broadcast(S, -LN2_HI), vNegLn2Lo = FloatVector.broadcast(S, -LN2_LO);
        FloatVector vC5 = FloatVector.broadcast(S, C5), vC4 = FloatVector.broadcast(S, C4);
        FloatVector vC3 = FloatVector.broadcast(S, C3), vC2 = FloatVector.broadcast(S, C2);
        FloatVector vOne = FloatVector.broadcast(S, 1f), vMinus1 = FloatVector.broadcast(S, -1f);
        FloatVector vE8 = FloatVector.broadcast(S, 1.48851587f), vE7 = FloatVector.broadcast(S, -1.13520398f);
        FloatVector vE6 = FloatVector.broadcast(S, 0.27886807f), vE5 = FloatVector.broadcast(S, -0.18628806f);
        FloatVector vE4 = FloatVector.broadcast(S, 0.09678418f), vE3 = FloatVector.broadcast(S, 0.37409196f);
        FloatVector vE2 = FloatVector.broadcast(S, 1.00002368f), vE1 = FloatVector.broadcast(S, -1.26551223f);
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, in, io + i);
            // gauss = e^(−x²/2) from x² = hi + lo (hi the float product, lo its rounding error): the tail keeps its accuracy
            FloatVector ax = x.abs().min(30f), hi = ax.mul(ax), lo = ax.fma(ax, hi.neg());
            // eh = e^hi.mul(-0.5f) (inline: see the class comment)
            FloatVector hc = hi.mul(-0.5f).max(-104f).min(89f), hv = hc.fma(vLog2e, vMagic);
            IntVector hn = hv.reinterpretAsInts().sub(MAGIC_BITS), hn1 = hn.lanewise(VectorOperators.ASHR, 1);
            FloatVector hnf = hv.sub(MAGIC), hr = hnf.fma(vNegLn2Lo, hnf.fma(vNegLn2Hi, hc));
            FloatVector hq = hr.fma(C7, C6).fma(hr, vC5).fma(hr, vC4).fma(hr, vC3).fma(hr, vC2).mul(hr).fma(hr, hr);
            FloatVector eh = hq.add(1f).mul(hn1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .mul(hn.sub(hn1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            FloatVector gauss = eh.mul(lo.mul(-0.5f).add(1f));
            // Φ(x) = erfc(−x/√2)/2; erfc(a) = t·e^(−a²)·e^P(t), t = 1/(1 + a/2), a = |x|/√2
            FloatVector t = vOne.div(x.abs().mul(SQRT1_2).min(20f).fma(0.5f, 1f));
            FloatVector poly = t.fma(0.17087277f, -0.82215223f).fma(t, vE8).fma(t, vE7).fma(t, vE6).fma(t, vE5).fma(t, vE4)
                    .fma(t, vE3).fma(t, vE2).fma(t, vE1);
            // ep = e^poly (inline: see the class comment)
            FloatVector pc = poly.max(-104f).min(89f), pv = pc.fma(vLog2e, vMagic);
            IntVector pn = pv.reinterpretAsInts().sub(MAGIC_BITS), pn1 = pn.lanewise(VectorOperators.ASHR, 1);
            FloatVector pnf = pv.sub(MAGIC), pr = pnf.fma(vNegLn2Lo, pnf.fma(vNegLn2Hi, pc));
            FloatVector pq = pr.fma(C7, C6).fma(pr, vC5).fma(pr, vC4).fma(pr, vC3).fma(pr, vC2).mul(pr).fma(pr, pr);
            FloatVector ep = pq.add(1f).mul(pn1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .mul(pn.sub(pn1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            FloatVector half = t.mul(gauss).mul(ep).mul(0.5f);
            FloatVector cdf = half.neg().add(1f).blend(half, x.compare(VectorOperators.LT, 0f));
            FloatVector y = x.mul(cdf);
            y.intoArray(out, oo + i);
        }
    }

    /** out = g·(Φ(x) + x·φ(x)), φ(x) = e^(−x²/2)/√(2π). Whole vectors only: {@code n} is a multiple of the vector length. */
    private static void geluGradBody(float[] in, int io, float[] gIn, int go, float[] out, int oo, int n) {
        FloatVector vLog2e = FloatVector.broadcast(S, LOG2E), vMagic = FloatVector.broadcast(S, MAGIC);
        FloatVector vNegLn2Hi = FloatVector.broadcast(S, -LN2_HI), vNegLn2Lo = FloatVector.broadcast(S, -LN2_LO);
        FloatVector vC5 = FloatVector.broadcast(S, C5), vC4 = FloatVector.broadcast(S, C4);
        FloatVector vC3 = FloatVector.broadcast(S, C3), vC2 = FloatVector.broadcast(S, C2);
        FloatVector vOne = FloatVector.broadcast(S, 1f), vMinus1 = FloatVector.broadcast(S, -1f);
        FloatVector vE8 = FloatVector.broadcast(S, 1.48851587f), vE7 = FloatVector.broadcast(S, -1.13520398f);
        FloatVector vE6 = FloatVector.broadcast(S, 0.27886807f), vE5 = FloatVector.broadcast(S, -0.18628806f);
        FloatVector vE4 = FloatVector.broadcast(S, 0.09678418f), vE3 = FloatVector.broadcast(S, 0.37409196f);
        FloatVector vE2 = FloatVector.broadcast(S, 1.00002368f), vE1 = FloatVector.broadcast(S, -1.26551223f);
        FloatVector vInvSqrt2Pi = FloatVector.broadcast(S, INV_SQRT_2PI);
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, in, io + i);
            FloatVector g = FloatVector.fromArray(S, gIn, go + i);
            // gauss = e^(−x²/2) from x² = hi + lo (hi the float product, lo its rounding error): the tail keeps its accuracy
            FloatVector ax = x.abs().min(30f), hi = ax.mul(ax), lo = ax.fma(ax, hi.neg());
            // eh = e^hi.mul(-0.5f) (inline: see the class comment)
            FloatVector hc = hi.mul(-0.5f).max(-104f).min(89f), hv = hc.fma(vLog2e, vMagic);
            IntVector hn = hv.reinterpretAsInts().sub(MAGIC_BITS), hn1 = hn.lanewise(VectorOperators.ASHR, 1);
            FloatVector hnf = hv.sub(MAGIC), hr = hnf.fma(vNegLn2Lo, hnf.fma(vNegLn2Hi, hc));
            FloatVector hq = hr.fma(C7, C6).fma(hr, vC5).fma(hr, vC4).fma(hr, vC3).fma(hr, vC2).mul(hr).fma(hr, hr);
            FloatVector eh = hq.add(1f).mul(hn1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .mul(hn.sub(hn1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            FloatVector gauss = eh.mul(lo.mul(-0.5f).add(1f));
            // Φ(x) = erfc(−x/√2)/2; erfc(a) = t·e^(−a²)·e^P(t), t = 1/(1 + a/2), a = |x|/√2
            FloatVector t = vOne.div(x.abs().mul(SQRT1_2).min(20f).fma(0.5f, 1f));
            FloatVector poly = t.fma(0.17087277f, -0.82215223f).fma(t, vE8).fma(t, vE7).fma(t, vE6).fma(t, vE5).fma(t, vE4)
                    .fma(t, vE3).fma(t, vE2).fma(t, vE1);
            // ep = e^poly (inline: see the class comment)
            FloatVector pc = poly.max(-104f).min(89f), pv = pc.fma(vLog2e, vMagic);
            IntVector pn = pv.reinterpretAsInts().sub(MAGIC_BITS), pn1 = pn.lanewise(VectorOperators.ASHR, 1);
            FloatVector pnf = pv.sub(MAGIC), pr = pnf.fma(vNegLn2Lo, pnf.fma(vNegLn2Hi, pc));
            FloatVector pq = pr.fma(C7, C6).fma(pr, vC5).fma(pr, vC4).fma(pr, vC3).fma(pr, vC2).mul(pr).fma(pr, pr);
            FloatVector ep = pq.add(1f).mul(pn1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .mul(pn.sub(pn1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            FloatVector half = t.mul(gauss).mul(ep).mul(0.5f);
            FloatVector cdf = half.neg().add(1f).blend(half, x.compare(VectorOperators.LT, 0f));
            FloatVector y = g.mul(x.mul(gauss).fma(vInvSqrt2Pi, cdf));
            y.intoArray(out, oo + i);
        }
    }

    /** out = x·σ(2u), u = √(2/π)·(x + 0.044715·x³) (= 0.5·x·(1 + tanh u)). Whole vectors only: {@code n} is a multiple of the vector length. */
    private static void geluTanhBody(float[] in, int io, float[] out, int oo, int n) {
        FloatVector vLog2e = FloatVector.broadcast(S, LOG2E), vMagic = FloatVector.broadcast(S, MAGIC);
        FloatVector vNegLn2Hi = FloatVector.broadcast(S, -LN2_HI), vNegLn2Lo = FloatVector.broadcast(S, -LN2_LO);
        FloatVector vC5 = FloatVector.broadcast(S, C5), vC4 = FloatVector.broadcast(S, C4);
        FloatVector vC3 = FloatVector.broadcast(S, C3), vC2 = FloatVector.broadcast(S, C2);
        FloatVector vOne = FloatVector.broadcast(S, 1f), vMinus1 = FloatVector.broadcast(S, -1f);
        FloatVector vCTanh = FloatVector.broadcast(S, C_TANH);
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, in, io + i);
            // e = e^x.mul(x).fma(vCTanh, vOne).mul(x).mul(-2 * K_TANH).min(88f) (inline: see the class comment)
            FloatVector ec = x.mul(x).fma(vCTanh, vOne).mul(x).mul(-2 * K_TANH).min(88f).max(-104f).min(89f), ev = ec.fma(vLog2e, vMagic);
            IntVector en = ev.reinterpretAsInts().sub(MAGIC_BITS), en1 = en.lanewise(VectorOperators.ASHR, 1);
            FloatVector enf = ev.sub(MAGIC), er = enf.fma(vNegLn2Lo, enf.fma(vNegLn2Hi, ec));
            FloatVector eq = er.fma(C7, C6).fma(er, vC5).fma(er, vC4).fma(er, vC3).fma(er, vC2).mul(er).fma(er, er);
            FloatVector e = eq.add(1f).mul(en1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .mul(en.sub(en1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            FloatVector y = x.div(e.add(1f));
            y.intoArray(out, oo + i);
        }
    }

    /** out = g·s·(1 + 2·x·(e·s)·u'), s = σ(2u) = 1/(1 + e), e = e^(−2u), u' = √(2/π)·(1 + 3·0.044715·x²). Whole vectors only: {@code n} is a multiple of the vector length. */
    private static void geluTanhGradBody(float[] in, int io, float[] gIn, int go, float[] out, int oo, int n) {
        FloatVector vLog2e = FloatVector.broadcast(S, LOG2E), vMagic = FloatVector.broadcast(S, MAGIC);
        FloatVector vNegLn2Hi = FloatVector.broadcast(S, -LN2_HI), vNegLn2Lo = FloatVector.broadcast(S, -LN2_LO);
        FloatVector vC5 = FloatVector.broadcast(S, C5), vC4 = FloatVector.broadcast(S, C4);
        FloatVector vC3 = FloatVector.broadcast(S, C3), vC2 = FloatVector.broadcast(S, C2);
        FloatVector vOne = FloatVector.broadcast(S, 1f), vMinus1 = FloatVector.broadcast(S, -1f);
        FloatVector vCTanh = FloatVector.broadcast(S, C_TANH);
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, in, io + i);
            FloatVector g = FloatVector.fromArray(S, gIn, go + i);
            FloatVector x2 = x.mul(x);
            // e = e^x2.fma(vCTanh, vOne).mul(x).mul(-2 * K_TANH).min(88f) (inline: see the class comment)
            FloatVector ec = x2.fma(vCTanh, vOne).mul(x).mul(-2 * K_TANH).min(88f).max(-104f).min(89f), ev = ec.fma(vLog2e, vMagic);
            IntVector en = ev.reinterpretAsInts().sub(MAGIC_BITS), en1 = en.lanewise(VectorOperators.ASHR, 1);
            FloatVector enf = ev.sub(MAGIC), er = enf.fma(vNegLn2Lo, enf.fma(vNegLn2Hi, ec));
            FloatVector eq = er.fma(C7, C6).fma(er, vC5).fma(er, vC4).fma(er, vC3).fma(er, vC2).mul(er).fma(er, er);
            FloatVector e = eq.add(1f).mul(en1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .mul(en.sub(en1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            FloatVector s = vOne.div(e.add(1f));
            FloatVector du = x2.fma(3 * C_TANH, 1f).mul(K_TANH);
            FloatVector y = g.mul(s).mul(x.mul(2f).mul(e.mul(s)).fma(du, vOne));
            y.intoArray(out, oo + i);
        }
    }
}
