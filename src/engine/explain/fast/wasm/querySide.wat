;; The query side's inner loops (queryFactors.ts) in WebAssembly SIMD, float64 throughout (f64x2 lanes).
;; The recorded weights w_0 … w_T live in this module's memory as float32 [T+1, P]; w_{s+1} is P floats
;; after w_s. tanh is here (`tanh_into`), other activations stay in JavaScript between these calls; the derivatives of
;; tanh and ReLU in the backward pass are here too (`derivative_into`).
(module
  (memory (export "memory") 1)

  ;; First-layer pre-activations for `count` weight indices (int32 at `steps`):
  ;;   z[c, m] = (Σ_f x_f W_s[f, m]) + b_s[m]      (kernel [F, out] at kOff, bias at bOff, in floats)
  ;; summed over f in order from 0, zero inputs skipped; eight columns at a time in four f64x2 accumulators (each
  ;; weight row read once per eight columns), then pairs, then an odd last column: the same sums per column.
  (func (export "first_layer")
    (param $x i32) (param $F i32) (param $w i32) (param $P i32) (param $kOff i32) (param $bOff i32)
    (param $out i32) (param $steps i32) (param $count i32) (param $z i32)
    (local $c i32) (local $f i32) (local $m i32) (local $base i32) (local $row i32) (local $zrow i32) (local $xf f64) (local $xs v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $one f64)
    (local.set $c (i32.const 0))
    (block $done_c
      (loop $next_c
        (br_if $done_c (i32.ge_u (local.get $c) (local.get $count)))
        (local.set $base (i32.add (local.get $w)
          (i32.shl (i32.mul (i32.load (i32.add (local.get $steps) (i32.shl (local.get $c) (i32.const 2)))) (local.get $P)) (i32.const 2))))
        (local.set $zrow (i32.add (local.get $z) (i32.shl (i32.mul (local.get $c) (local.get $out)) (i32.const 3))))
        (local.set $m (i32.const 0))
        (block $done_eights
          (loop $next_eight
            (br_if $done_eights (i32.gt_u (i32.add (local.get $m) (i32.const 8)) (local.get $out)))
            (local.set $a0 (v128.const i64x2 0 0))
            (local.set $a1 (v128.const i64x2 0 0))
            (local.set $a2 (v128.const i64x2 0 0))
            (local.set $a3 (v128.const i64x2 0 0))
            (local.set $f (i32.const 0))
            (block $done_f8
              (loop $next_f8
                (br_if $done_f8 (i32.ge_u (local.get $f) (local.get $F)))
                (local.set $xf (f64.load (i32.add (local.get $x) (i32.shl (local.get $f) (i32.const 3)))))
                (if (f64.ne (local.get $xf) (f64.const 0))
                  (then
                    (local.set $xs (f64x2.splat (local.get $xf)))
                    (local.set $row (i32.add (local.get $base)
                      (i32.shl (i32.add (i32.add (local.get $kOff) (i32.mul (local.get $f) (local.get $out))) (local.get $m)) (i32.const 2))))
                    (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $xs)
                      (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $row))))))
                    (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $xs)
                      (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $row))))))
                    (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $xs)
                      (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $row))))))
                    (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $xs)
                      (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $row))))))))
                (local.set $f (i32.add (local.get $f) (i32.const 1)))
                (br $next_f8)))
            (local.set $row (i32.add (local.get $base) (i32.shl (i32.add (local.get $bOff) (local.get $m)) (i32.const 2))))
            (v128.store offset=0 (i32.add (local.get $zrow) (i32.shl (local.get $m) (i32.const 3)))
              (f64x2.add (local.get $a0) (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $row)))))
            (v128.store offset=16 (i32.add (local.get $zrow) (i32.shl (local.get $m) (i32.const 3)))
              (f64x2.add (local.get $a1) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $row)))))
            (v128.store offset=32 (i32.add (local.get $zrow) (i32.shl (local.get $m) (i32.const 3)))
              (f64x2.add (local.get $a2) (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $row)))))
            (v128.store offset=48 (i32.add (local.get $zrow) (i32.shl (local.get $m) (i32.const 3)))
              (f64x2.add (local.get $a3) (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $row)))))
            (local.set $m (i32.add (local.get $m) (i32.const 8)))
            (br $next_eight)))
        (block $done_pairs
          (loop $next_pair
            (br_if $done_pairs (i32.gt_u (i32.add (local.get $m) (i32.const 2)) (local.get $out)))
            (local.set $a0 (v128.const i64x2 0 0))
            (local.set $f (i32.const 0))
            (block $done_f2
              (loop $next_f2
                (br_if $done_f2 (i32.ge_u (local.get $f) (local.get $F)))
                (local.set $xf (f64.load (i32.add (local.get $x) (i32.shl (local.get $f) (i32.const 3)))))
                (if (f64.ne (local.get $xf) (f64.const 0))
                  (then
                    (local.set $xs (f64x2.splat (local.get $xf)))
                    (local.set $row (i32.add (local.get $base)
                      (i32.shl (i32.add (i32.add (local.get $kOff) (i32.mul (local.get $f) (local.get $out))) (local.get $m)) (i32.const 2))))
                    (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $xs)
                      (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $row))))))))
                (local.set $f (i32.add (local.get $f) (i32.const 1)))
                (br $next_f2)))
            (local.set $row (i32.add (local.get $base) (i32.shl (i32.add (local.get $bOff) (local.get $m)) (i32.const 2))))
            (v128.store offset=0 (i32.add (local.get $zrow) (i32.shl (local.get $m) (i32.const 3)))
              (f64x2.add (local.get $a0) (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $row)))))
            (local.set $m (i32.add (local.get $m) (i32.const 2)))
            (br $next_pair)))
        (if (i32.lt_u (local.get $m) (local.get $out))
          (then
            (local.set $one (f64.const 0))
            (local.set $f (i32.const 0))
            (block $done_f1
              (loop $next_f1
                (br_if $done_f1 (i32.ge_u (local.get $f) (local.get $F)))
                (local.set $xf (f64.load (i32.add (local.get $x) (i32.shl (local.get $f) (i32.const 3)))))
                (if (f64.ne (local.get $xf) (f64.const 0))
                  (then
                    (local.set $one (f64.add (local.get $one) (f64.mul (local.get $xf)
                      (f64.promote_f32 (f32.load (i32.add (local.get $base)
                        (i32.shl (i32.add (i32.add (local.get $kOff) (i32.mul (local.get $f) (local.get $out))) (local.get $m)) (i32.const 2))))))))))
                (local.set $f (i32.add (local.get $f) (i32.const 1)))
                (br $next_f1)))
            (f64.store (i32.add (local.get $zrow) (i32.shl (local.get $m) (i32.const 3)))
              (f64.add (local.get $one)
                (f64.promote_f32 (f32.load (i32.add (local.get $base) (i32.shl (i32.add (local.get $bOff) (local.get $m)) (i32.const 2)))))))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $next_c))))

  ;; dst[k] = (1 − t) a[k] + t b[k], float64 (the first layer between a step's ends).
  (func (export "lerp") (param $dst i32) (param $a i32) (param $b i32) (param $t f64) (param $count i32)
    (local $k i32) (local $ts v128) (local $us v128)
    (local.set $ts (f64x2.splat (local.get $t)))
    (local.set $us (f64x2.splat (f64.sub (f64.const 1) (local.get $t))))
    (local.set $k (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (i32.add (local.get $k) (i32.const 1)) (local.get $count)))
        (v128.store (i32.add (local.get $dst) (i32.shl (local.get $k) (i32.const 3)))
          (f64x2.add
            (f64x2.mul (local.get $us) (v128.load (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 3)))))
            (f64x2.mul (local.get $ts) (v128.load (i32.add (local.get $b) (i32.shl (local.get $k) (i32.const 3)))))))
        (local.set $k (i32.add (local.get $k) (i32.const 2)))
        (br $next)))
    (if (i32.lt_u (local.get $k) (local.get $count))
      (then
        (f64.store (i32.add (local.get $dst) (i32.shl (local.get $k) (i32.const 3)))
          (f64.add
            (f64.mul (f64.sub (f64.const 1) (local.get $t)) (f64.load (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 3)))))
            (f64.mul (local.get $t) (f64.load (i32.add (local.get $b) (i32.shl (local.get $k) (i32.const 3))))))))))

  ;; The weights at a point of a step: dst[k] = w_s[k] + t (w_{s+1}[k] − w_s[k]) over `count` floats from
  ;; `ws` (a pointer into w_s), in float64.
  (func (export "interpolate") (param $dst i32) (param $ws i32) (param $P i32) (param $t f64) (param $count i32)
    (local $k i32) (local $ts v128) (local $next i32) (local $a v128) (local $a1 f64)
    (local.set $ts (f64x2.splat (local.get $t)))
    (local.set $next (i32.add (local.get $ws) (i32.shl (local.get $P) (i32.const 2))))
    (local.set $k (i32.const 0))
    (block $done
      (loop $loop
        (br_if $done (i32.ge_u (i32.add (local.get $k) (i32.const 1)) (local.get $count)))
        (local.set $a (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $ws) (i32.shl (local.get $k) (i32.const 2))))))
        (v128.store (i32.add (local.get $dst) (i32.shl (local.get $k) (i32.const 3)))
          (f64x2.add (local.get $a)
            (f64x2.mul (local.get $ts)
              (f64x2.sub
                (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $next) (i32.shl (local.get $k) (i32.const 2)))))
                (local.get $a)))))
        (local.set $k (i32.add (local.get $k) (i32.const 2)))
        (br $loop)))
    (if (i32.lt_u (local.get $k) (local.get $count))
      (then
        (local.set $a1 (f64.promote_f32 (f32.load (i32.add (local.get $ws) (i32.shl (local.get $k) (i32.const 2))))))
        (f64.store (i32.add (local.get $dst) (i32.shl (local.get $k) (i32.const 3)))
          (f64.add (local.get $a1)
            (f64.mul (local.get $t)
              (f64.sub (f64.promote_f32 (f32.load (i32.add (local.get $next) (i32.shl (local.get $k) (i32.const 2))))) (local.get $a1))))))))

  ;; z[m] = wt[in·out + m] + Σ_j h[j] wt[j·out + m]  (a dense layer forward; wt is kernel then bias, float64)
  (func (export "forward") (param $z i32) (param $h i32) (param $wt i32) (param $in i32) (param $out i32)
    (local $j i32) (local $m i32) (local $hj f64) (local $hs v128) (local $row i32)
    (memory.copy (local.get $z)
      (i32.add (local.get $wt) (i32.shl (i32.mul (local.get $in) (local.get $out)) (i32.const 3)))
      (i32.shl (local.get $out) (i32.const 3)))
    (local.set $j (i32.const 0))
    (block $done_j
      (loop $next_j
        (br_if $done_j (i32.ge_u (local.get $j) (local.get $in)))
        (local.set $hj (f64.load (i32.add (local.get $h) (i32.shl (local.get $j) (i32.const 3)))))
        (local.set $hs (f64x2.splat (local.get $hj)))
        (local.set $row (i32.add (local.get $wt) (i32.shl (i32.mul (local.get $j) (local.get $out)) (i32.const 3))))
        (local.set $m (i32.const 0))
        (block $done_m
          (loop $next_m
            (br_if $done_m (i32.ge_u (i32.add (local.get $m) (i32.const 1)) (local.get $out)))
            (v128.store (i32.add (local.get $z) (i32.shl (local.get $m) (i32.const 3)))
              (f64x2.add
                (v128.load (i32.add (local.get $z) (i32.shl (local.get $m) (i32.const 3))))
                (f64x2.mul (local.get $hs) (v128.load (i32.add (local.get $row) (i32.shl (local.get $m) (i32.const 3)))))))
            (local.set $m (i32.add (local.get $m) (i32.const 2)))
            (br $next_m)))
        (if (i32.lt_u (local.get $m) (local.get $out))
          (then
            (f64.store (i32.add (local.get $z) (i32.shl (local.get $m) (i32.const 3)))
              (f64.add
                (f64.load (i32.add (local.get $z) (i32.shl (local.get $m) (i32.const 3))))
                (f64.mul (local.get $hj) (f64.load (i32.add (local.get $row) (i32.shl (local.get $m) (i32.const 3)))))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next_j))))

  ;; Σ_m row[m] v[m] over `out` float64 values (two lanes, then a scalar tail).
  (func $dot (param $row i32) (param $v i32) (param $out i32) (result f64)
    (local $m i32) (local $s v128) (local $acc f64)
    (local.set $s (v128.const i64x2 0 0))
    (local.set $m (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (i32.add (local.get $m) (i32.const 1)) (local.get $out)))
        (local.set $s (f64x2.add (local.get $s)
          (f64x2.mul
            (v128.load (i32.add (local.get $row) (i32.shl (local.get $m) (i32.const 3))))
            (v128.load (i32.add (local.get $v) (i32.shl (local.get $m) (i32.const 3)))))))
        (local.set $m (i32.add (local.get $m) (i32.const 2)))
        (br $next)))
    (local.set $acc (f64.add (f64x2.extract_lane 0 (local.get $s)) (f64x2.extract_lane 1 (local.get $s))))
    (if (i32.lt_u (local.get $m) (local.get $out))
      (then
        (local.set $acc (f64.add (local.get $acc)
          (f64.mul
            (f64.load (i32.add (local.get $row) (i32.shl (local.get $m) (i32.const 3))))
            (f64.load (i32.add (local.get $v) (i32.shl (local.get $m) (i32.const 3)))))))))
    (local.get $acc))

  ;; next[a] = Σ_m wt[a·out + m] δ[m]  (the backward pass through a dense layer's kernel)
  (func (export "backward") (param $next i32) (param $delta i32) (param $wt i32) (param $in i32) (param $out i32)
    (local $a i32)
    (local.set $a (i32.const 0))
    (block $done
      (loop $loop
        (br_if $done (i32.ge_u (local.get $a) (local.get $in)))
        (f64.store (i32.add (local.get $next) (i32.shl (local.get $a) (i32.const 3)))
          (call $dot
            (i32.add (local.get $wt) (i32.shl (i32.mul (local.get $a) (local.get $out)) (i32.const 3)))
            (local.get $delta) (local.get $out)))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $loop))))

  ;; Φ·Δ_s of one point of a dense layer from its factors, Δ = w_{s+1} − w_s rounded to float32 as the
  ;; recorded increments are:  Σ_m δ_m (Δb_m + Σ_j h_j ΔW_jm)  (kernel at `ws`, bias at `wb`).
  (func (export "increment_dot") (param $h i32) (param $delta i32) (param $ws i32) (param $wb i32) (param $P i32)
    (param $in i32) (param $out i32) (result f64)
    (local $j i32) (local $m i32) (local $row i32) (local $step i32) (local $s v128) (local $acc f64) (local $total f64)
    (local.set $step (i32.shl (local.get $P) (i32.const 2)))
    (local.set $total (f64.const 0))
    (local.set $j (i32.const 0))
    (block $done_j
      (loop $next_j
        (br_if $done_j (i32.ge_u (local.get $j) (local.get $in)))
        (local.set $row (i32.add (local.get $ws) (i32.shl (i32.mul (local.get $j) (local.get $out)) (i32.const 2))))
        (local.set $s (v128.const i64x2 0 0))
        (local.set $m (i32.const 0))
        (block $done_m
          (loop $next_m
            (br_if $done_m (i32.ge_u (i32.add (local.get $m) (i32.const 1)) (local.get $out)))
            (local.set $s (f64x2.add (local.get $s)
              (f64x2.mul
                (v128.load (i32.add (local.get $delta) (i32.shl (local.get $m) (i32.const 3))))
                (f64x2.promote_low_f32x4
                  (f32x4.sub
                    (v128.load64_zero (i32.add (i32.add (local.get $row) (local.get $step)) (i32.shl (local.get $m) (i32.const 2))))
                    (v128.load64_zero (i32.add (local.get $row) (i32.shl (local.get $m) (i32.const 2)))))))))
            (local.set $m (i32.add (local.get $m) (i32.const 2)))
            (br $next_m)))
        (local.set $acc (f64.add (f64x2.extract_lane 0 (local.get $s)) (f64x2.extract_lane 1 (local.get $s))))
        (if (i32.lt_u (local.get $m) (local.get $out))
          (then
            (local.set $acc (f64.add (local.get $acc)
              (f64.mul
                (f64.load (i32.add (local.get $delta) (i32.shl (local.get $m) (i32.const 3))))
                (f64.promote_f32 (f32.sub
                  (f32.load (i32.add (i32.add (local.get $row) (local.get $step)) (i32.shl (local.get $m) (i32.const 2))))
                  (f32.load (i32.add (local.get $row) (i32.shl (local.get $m) (i32.const 2)))))))))))
        (local.set $total (f64.add (local.get $total)
          (f64.mul (f64.load (i32.add (local.get $h) (i32.shl (local.get $j) (i32.const 3)))) (local.get $acc))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next_j)))
    (local.set $m (i32.const 0))
    (block $done_b
      (loop $next_b
        (br_if $done_b (i32.ge_u (local.get $m) (local.get $out)))
        (local.set $total (f64.add (local.get $total)
          (f64.mul
            (f64.load (i32.add (local.get $delta) (i32.shl (local.get $m) (i32.const 3))))
            (f64.promote_f32 (f32.sub
              (f32.load (i32.add (i32.add (local.get $wb) (local.get $step)) (i32.shl (local.get $m) (i32.const 2))))
              (f32.load (i32.add (local.get $wb) (i32.shl (local.get $m) (i32.const 2)))))))))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $next_b)))
    (local.get $total))

  ;; The same three passes for 2–4 rows at one point, reading each weight once for all of them (a wide layer's
  ;; float64 weights do not stay in cache between rows). Row k's buffers are [count, width] at k · width; rows
  ;; past `count` repeat the last row (they recompute its values and store the same bits). Every row's sums are
  ;; taken in the order of the one-row functions above, so the values are the same bit for bit.
  ;; `single` columns (an odd last one) load a pair and keep lane 0: the lane past the row's end never meets
  ;; a stored value (the module's layout ends in padding, simdQuerySide.ts).
  (func $row (param $base i32) (param $k i32) (param $count i32) (param $width i32) (result i32)
    (i32.add (local.get $base)
      (i32.shl (i32.mul
        (select (local.get $k) (i32.sub (local.get $count) (i32.const 1)) (i32.lt_u (local.get $k) (local.get $count)))
        (local.get $width)) (i32.const 3))))

  ;; z[r, m..m+1] = bias + Σ_j h[r, j] wt[j, m..m+1] for four rows (forward's order).
  (func $forward_pair
    (param $z0 i32) (param $z1 i32) (param $z2 i32) (param $z3 i32)
    (param $h0 i32) (param $h1 i32) (param $h2 i32) (param $h3 i32)
    (param $wt i32) (param $in i32) (param $out i32) (param $m i32) (param $single i32)
    (local $j i32) (local $col i32) (local $step i32) (local $w v128)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128) (local $at i32)
    (local.set $a (v128.load (i32.add (local.get $wt)
      (i32.shl (i32.add (i32.mul (local.get $in) (local.get $out)) (local.get $m)) (i32.const 3)))))
    (local.set $b (local.get $a)) (local.set $c (local.get $a)) (local.set $d (local.get $a))
    (local.set $col (i32.add (local.get $wt) (i32.shl (local.get $m) (i32.const 3))))
    (local.set $step (i32.shl (local.get $out) (i32.const 3)))
    (local.set $j (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $in)))
        (local.set $w (v128.load (local.get $col)))
        (local.set $at (i32.shl (local.get $j) (i32.const 3)))
        (local.set $a (f64x2.add (local.get $a) (f64x2.mul (v128.load64_splat (i32.add (local.get $h0) (local.get $at))) (local.get $w))))
        (local.set $b (f64x2.add (local.get $b) (f64x2.mul (v128.load64_splat (i32.add (local.get $h1) (local.get $at))) (local.get $w))))
        (local.set $c (f64x2.add (local.get $c) (f64x2.mul (v128.load64_splat (i32.add (local.get $h2) (local.get $at))) (local.get $w))))
        (local.set $d (f64x2.add (local.get $d) (f64x2.mul (v128.load64_splat (i32.add (local.get $h3) (local.get $at))) (local.get $w))))
        (local.set $col (i32.add (local.get $col) (local.get $step)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next)))
    (local.set $at (i32.shl (local.get $m) (i32.const 3)))
    (if (local.get $single)
      (then
        (v128.store64_lane 0 (i32.add (local.get $z0) (local.get $at)) (local.get $a))
        (v128.store64_lane 0 (i32.add (local.get $z1) (local.get $at)) (local.get $b))
        (v128.store64_lane 0 (i32.add (local.get $z2) (local.get $at)) (local.get $c))
        (v128.store64_lane 0 (i32.add (local.get $z3) (local.get $at)) (local.get $d)))
      (else
        (v128.store (i32.add (local.get $z0) (local.get $at)) (local.get $a))
        (v128.store (i32.add (local.get $z1) (local.get $at)) (local.get $b))
        (v128.store (i32.add (local.get $z2) (local.get $at)) (local.get $c))
        (v128.store (i32.add (local.get $z3) (local.get $at)) (local.get $d)))))

  ;; `forward` for `count` rows: z [count, out], h [count, in].
  (func (export "forward_rows") (param $z i32) (param $h i32) (param $wt i32) (param $in i32) (param $out i32) (param $count i32)
    (local $m i32)
    (local.set $m (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $m) (local.get $out)))
        (call $forward_pair
          (call $row (local.get $z) (i32.const 0) (local.get $count) (local.get $out))
          (call $row (local.get $z) (i32.const 1) (local.get $count) (local.get $out))
          (call $row (local.get $z) (i32.const 2) (local.get $count) (local.get $out))
          (call $row (local.get $z) (i32.const 3) (local.get $count) (local.get $out))
          (call $row (local.get $h) (i32.const 0) (local.get $count) (local.get $in))
          (call $row (local.get $h) (i32.const 1) (local.get $count) (local.get $in))
          (call $row (local.get $h) (i32.const 2) (local.get $count) (local.get $in))
          (call $row (local.get $h) (i32.const 3) (local.get $count) (local.get $in))
          (local.get $wt) (local.get $in) (local.get $out) (local.get $m)
          (i32.ge_u (i32.add (local.get $m) (i32.const 1)) (local.get $out)))
        (local.set $m (i32.add (local.get $m) (i32.const 2)))
        (br $next))))

  ;; Σ_m row[m] v[m] as `$dot` sums it, for four vectors v at once (each its own sum).
  (func $dot4 (param $row i32) (param $v0 i32) (param $v1 i32) (param $v2 i32) (param $v3 i32) (param $out i32)
    (param $into0 i32) (param $into1 i32) (param $into2 i32) (param $into3 i32)
    (local $m i32) (local $w v128) (local $at i32) (local $wm f64)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local $sa f64) (local $sb f64) (local $sc f64) (local $sd f64)
    (local.set $m (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (i32.add (local.get $m) (i32.const 1)) (local.get $out)))
        (local.set $at (i32.shl (local.get $m) (i32.const 3)))
        (local.set $w (v128.load (i32.add (local.get $row) (local.get $at))))
        (local.set $a (f64x2.add (local.get $a) (f64x2.mul (local.get $w) (v128.load (i32.add (local.get $v0) (local.get $at))))))
        (local.set $b (f64x2.add (local.get $b) (f64x2.mul (local.get $w) (v128.load (i32.add (local.get $v1) (local.get $at))))))
        (local.set $c (f64x2.add (local.get $c) (f64x2.mul (local.get $w) (v128.load (i32.add (local.get $v2) (local.get $at))))))
        (local.set $d (f64x2.add (local.get $d) (f64x2.mul (local.get $w) (v128.load (i32.add (local.get $v3) (local.get $at))))))
        (local.set $m (i32.add (local.get $m) (i32.const 2)))
        (br $next)))
    (local.set $sa (f64.add (f64x2.extract_lane 0 (local.get $a)) (f64x2.extract_lane 1 (local.get $a))))
    (local.set $sb (f64.add (f64x2.extract_lane 0 (local.get $b)) (f64x2.extract_lane 1 (local.get $b))))
    (local.set $sc (f64.add (f64x2.extract_lane 0 (local.get $c)) (f64x2.extract_lane 1 (local.get $c))))
    (local.set $sd (f64.add (f64x2.extract_lane 0 (local.get $d)) (f64x2.extract_lane 1 (local.get $d))))
    (if (i32.lt_u (local.get $m) (local.get $out))
      (then
        (local.set $at (i32.shl (local.get $m) (i32.const 3)))
        (local.set $wm (f64.load (i32.add (local.get $row) (local.get $at))))
        (local.set $sa (f64.add (local.get $sa) (f64.mul (local.get $wm) (f64.load (i32.add (local.get $v0) (local.get $at))))))
        (local.set $sb (f64.add (local.get $sb) (f64.mul (local.get $wm) (f64.load (i32.add (local.get $v1) (local.get $at))))))
        (local.set $sc (f64.add (local.get $sc) (f64.mul (local.get $wm) (f64.load (i32.add (local.get $v2) (local.get $at))))))
        (local.set $sd (f64.add (local.get $sd) (f64.mul (local.get $wm) (f64.load (i32.add (local.get $v3) (local.get $at))))))))
    (f64.store (local.get $into0) (local.get $sa))
    (f64.store (local.get $into1) (local.get $sb))
    (f64.store (local.get $into2) (local.get $sc))
    (f64.store (local.get $into3) (local.get $sd)))

  ;; `backward` for `count` rows: next [count, in] from δ [count, out].
  (func (export "backward_rows") (param $next i32) (param $delta i32) (param $wt i32) (param $in i32) (param $out i32) (param $count i32)
    (local $a i32) (local $at i32) (local $v0 i32) (local $v1 i32) (local $v2 i32) (local $v3 i32)
    (local $n0 i32) (local $n1 i32) (local $n2 i32) (local $n3 i32)
    (local.set $v0 (call $row (local.get $delta) (i32.const 0) (local.get $count) (local.get $out)))
    (local.set $v1 (call $row (local.get $delta) (i32.const 1) (local.get $count) (local.get $out)))
    (local.set $v2 (call $row (local.get $delta) (i32.const 2) (local.get $count) (local.get $out)))
    (local.set $v3 (call $row (local.get $delta) (i32.const 3) (local.get $count) (local.get $out)))
    (local.set $n0 (call $row (local.get $next) (i32.const 0) (local.get $count) (local.get $in)))
    (local.set $n1 (call $row (local.get $next) (i32.const 1) (local.get $count) (local.get $in)))
    (local.set $n2 (call $row (local.get $next) (i32.const 2) (local.get $count) (local.get $in)))
    (local.set $n3 (call $row (local.get $next) (i32.const 3) (local.get $count) (local.get $in)))
    (local.set $a (i32.const 0))
    (block $done
      (loop $loop
        (br_if $done (i32.ge_u (local.get $a) (local.get $in)))
        (local.set $at (i32.shl (local.get $a) (i32.const 3)))
        (call $dot4
          (i32.add (local.get $wt) (i32.shl (i32.mul (local.get $a) (local.get $out)) (i32.const 3)))
          (local.get $v0) (local.get $v1) (local.get $v2) (local.get $v3) (local.get $out)
          (i32.add (local.get $n0) (local.get $at)) (i32.add (local.get $n1) (local.get $at))
          (i32.add (local.get $n2) (local.get $at)) (i32.add (local.get $n3) (local.get $at)))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $loop))))

  ;; `increment_dot` for `count` rows (h [count, in], δ [count, out]) into `result` [count] (float64): each
  ;; float32 difference of the weights is formed once for all the rows.
  (func (export "increment_dot_rows") (param $h i32) (param $delta i32) (param $ws i32) (param $wb i32) (param $P i32)
    (param $in i32) (param $out i32) (param $count i32) (param $result i32)
    (local $j i32) (local $m i32) (local $row i32) (local $step i32) (local $at i32) (local $hat i32) (local $dw v128) (local $dm f64)
    (local $v0 i32) (local $v1 i32) (local $v2 i32) (local $v3 i32) (local $h0 i32) (local $h1 i32) (local $h2 i32) (local $h3 i32)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local $sa f64) (local $sb f64) (local $sc f64) (local $sd f64)
    (local $ta f64) (local $tb f64) (local $tc f64) (local $td f64)
    (local.set $v0 (call $row (local.get $delta) (i32.const 0) (local.get $count) (local.get $out)))
    (local.set $v1 (call $row (local.get $delta) (i32.const 1) (local.get $count) (local.get $out)))
    (local.set $v2 (call $row (local.get $delta) (i32.const 2) (local.get $count) (local.get $out)))
    (local.set $v3 (call $row (local.get $delta) (i32.const 3) (local.get $count) (local.get $out)))
    (local.set $h0 (call $row (local.get $h) (i32.const 0) (local.get $count) (local.get $in)))
    (local.set $h1 (call $row (local.get $h) (i32.const 1) (local.get $count) (local.get $in)))
    (local.set $h2 (call $row (local.get $h) (i32.const 2) (local.get $count) (local.get $in)))
    (local.set $h3 (call $row (local.get $h) (i32.const 3) (local.get $count) (local.get $in)))
    (local.set $step (i32.shl (local.get $P) (i32.const 2)))
    (local.set $j (i32.const 0))
    (block $done_j
      (loop $next_j
        (br_if $done_j (i32.ge_u (local.get $j) (local.get $in)))
        (local.set $row (i32.add (local.get $ws) (i32.shl (i32.mul (local.get $j) (local.get $out)) (i32.const 2))))
        (local.set $a (v128.const i64x2 0 0)) (local.set $b (v128.const i64x2 0 0))
        (local.set $c (v128.const i64x2 0 0)) (local.set $d (v128.const i64x2 0 0))
        (local.set $m (i32.const 0))
        (block $done_m
          (loop $next_m
            (br_if $done_m (i32.ge_u (i32.add (local.get $m) (i32.const 1)) (local.get $out)))
            (local.set $dw (f64x2.promote_low_f32x4
              (f32x4.sub
                (v128.load64_zero (i32.add (i32.add (local.get $row) (local.get $step)) (i32.shl (local.get $m) (i32.const 2))))
                (v128.load64_zero (i32.add (local.get $row) (i32.shl (local.get $m) (i32.const 2)))))))
            (local.set $at (i32.shl (local.get $m) (i32.const 3)))
            (local.set $a (f64x2.add (local.get $a) (f64x2.mul (v128.load (i32.add (local.get $v0) (local.get $at))) (local.get $dw))))
            (local.set $b (f64x2.add (local.get $b) (f64x2.mul (v128.load (i32.add (local.get $v1) (local.get $at))) (local.get $dw))))
            (local.set $c (f64x2.add (local.get $c) (f64x2.mul (v128.load (i32.add (local.get $v2) (local.get $at))) (local.get $dw))))
            (local.set $d (f64x2.add (local.get $d) (f64x2.mul (v128.load (i32.add (local.get $v3) (local.get $at))) (local.get $dw))))
            (local.set $m (i32.add (local.get $m) (i32.const 2)))
            (br $next_m)))
        (local.set $sa (f64.add (f64x2.extract_lane 0 (local.get $a)) (f64x2.extract_lane 1 (local.get $a))))
        (local.set $sb (f64.add (f64x2.extract_lane 0 (local.get $b)) (f64x2.extract_lane 1 (local.get $b))))
        (local.set $sc (f64.add (f64x2.extract_lane 0 (local.get $c)) (f64x2.extract_lane 1 (local.get $c))))
        (local.set $sd (f64.add (f64x2.extract_lane 0 (local.get $d)) (f64x2.extract_lane 1 (local.get $d))))
        (if (i32.lt_u (local.get $m) (local.get $out))
          (then
            (local.set $dm (f64.promote_f32 (f32.sub
              (f32.load (i32.add (i32.add (local.get $row) (local.get $step)) (i32.shl (local.get $m) (i32.const 2))))
              (f32.load (i32.add (local.get $row) (i32.shl (local.get $m) (i32.const 2)))))))
            (local.set $at (i32.shl (local.get $m) (i32.const 3)))
            (local.set $sa (f64.add (local.get $sa) (f64.mul (f64.load (i32.add (local.get $v0) (local.get $at))) (local.get $dm))))
            (local.set $sb (f64.add (local.get $sb) (f64.mul (f64.load (i32.add (local.get $v1) (local.get $at))) (local.get $dm))))
            (local.set $sc (f64.add (local.get $sc) (f64.mul (f64.load (i32.add (local.get $v2) (local.get $at))) (local.get $dm))))
            (local.set $sd (f64.add (local.get $sd) (f64.mul (f64.load (i32.add (local.get $v3) (local.get $at))) (local.get $dm))))))
        (local.set $hat (i32.shl (local.get $j) (i32.const 3)))
        (local.set $ta (f64.add (local.get $ta) (f64.mul (f64.load (i32.add (local.get $h0) (local.get $hat))) (local.get $sa))))
        (local.set $tb (f64.add (local.get $tb) (f64.mul (f64.load (i32.add (local.get $h1) (local.get $hat))) (local.get $sb))))
        (local.set $tc (f64.add (local.get $tc) (f64.mul (f64.load (i32.add (local.get $h2) (local.get $hat))) (local.get $sc))))
        (local.set $td (f64.add (local.get $td) (f64.mul (f64.load (i32.add (local.get $h3) (local.get $hat))) (local.get $sd))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next_j)))
    (local.set $m (i32.const 0))
    (block $done_b
      (loop $next_b
        (br_if $done_b (i32.ge_u (local.get $m) (local.get $out)))
        (local.set $dm (f64.promote_f32 (f32.sub
          (f32.load (i32.add (i32.add (local.get $wb) (local.get $step)) (i32.shl (local.get $m) (i32.const 2))))
          (f32.load (i32.add (local.get $wb) (i32.shl (local.get $m) (i32.const 2)))))))
        (local.set $at (i32.shl (local.get $m) (i32.const 3)))
        (local.set $ta (f64.add (local.get $ta) (f64.mul (f64.load (i32.add (local.get $v0) (local.get $at))) (local.get $dm))))
        (local.set $tb (f64.add (local.get $tb) (f64.mul (f64.load (i32.add (local.get $v1) (local.get $at))) (local.get $dm))))
        (local.set $tc (f64.add (local.get $tc) (f64.mul (f64.load (i32.add (local.get $v2) (local.get $at))) (local.get $dm))))
        (local.set $td (f64.add (local.get $td) (f64.mul (f64.load (i32.add (local.get $v3) (local.get $at))) (local.get $dm))))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $next_b)))
    (f64.store (call $row (local.get $result) (i32.const 0) (local.get $count) (i32.const 1)) (local.get $ta))
    (f64.store (call $row (local.get $result) (i32.const 1) (local.get $count) (i32.const 1)) (local.get $tb))
    (f64.store (call $row (local.get $result) (i32.const 2) (local.get $count) (i32.const 1)) (local.get $tc))
    (f64.store (call $row (local.get $result) (i32.const 3) (local.get $count) (i32.const 1)) (local.get $td)))
  ;; δ = next ⊙ σ' over `count` float64s, for tanh from its values (`v` = h, kind 0: next · (1 − h·h)) or ReLU from its
  ;; pre-activations (`v` = z, kind 1: next where z > 0, else +0, NaN included): multiplyByDerivative's rules
  ;; (scalarActivations.ts) in the same operations, so the same bits. `delta` may be `next`.
  (func (export "derivative_into") (param $delta i32) (param $next i32) (param $v i32) (param $count i32) (param $kind i32)
    (local $k i32) (local $pairs i32) (local $ones v128) (local $h v128) (local $x f64)
    (local.set $ones (f64x2.splat (f64.const 1)))
    (local.set $pairs (i32.and (local.get $count) (i32.const -2)))
    (local.set $k (i32.const 0))
    (block $done
      (loop $next_pair
        (br_if $done (i32.ge_u (local.get $k) (local.get $pairs)))
        (local.set $h (v128.load (i32.add (local.get $v) (i32.shl (local.get $k) (i32.const 3)))))
        (v128.store (i32.add (local.get $delta) (i32.shl (local.get $k) (i32.const 3)))
          (if (result v128) (local.get $kind)
            (then (v128.and (v128.load (i32.add (local.get $next) (i32.shl (local.get $k) (i32.const 3))))
              (f64x2.gt (local.get $h) (f64x2.splat (f64.const 0)))))
            (else (f64x2.mul (v128.load (i32.add (local.get $next) (i32.shl (local.get $k) (i32.const 3))))
              (f64x2.sub (local.get $ones) (f64x2.mul (local.get $h) (local.get $h)))))))
        (local.set $k (i32.add (local.get $k) (i32.const 2)))
        (br $next_pair)))
    (if (i32.lt_u (local.get $pairs) (local.get $count))
      (then
        (local.set $x (f64.load (i32.add (local.get $v) (i32.shl (local.get $pairs) (i32.const 3)))))
        (f64.store (i32.add (local.get $delta) (i32.shl (local.get $pairs) (i32.const 3)))
          (if (result f64) (local.get $kind)
            (then (select (f64.load (i32.add (local.get $next) (i32.shl (local.get $pairs) (i32.const 3)))) (f64.const 0)
              (f64.gt (local.get $x) (f64.const 0))))
            (else (f64.mul (f64.load (i32.add (local.get $next) (i32.shl (local.get $pairs) (i32.const 3))))
              (f64.sub (f64.const 1) (f64.mul (local.get $x) (local.get $x))))))))))

  ;; tanh of two lanes: tanh|x| = −u / (u + 2) with u = expm1(−2|x|) ∈ (−1, 0], then x's sign (so −0 stays −0 and
  ;; NaN stays NaN). expm1(y), y clamped to [−40, 0] (tanh is 1 in float64 past |x| ≈ 19.1): y = k ln 2 + r with
  ;; |r| ≤ ln 2 / 2 (ln 2 in two parts, so k ln 2 is exact), expm1(r) by its Taylor series to r¹³ (the first neglected
  ;; term is about 1e-17 of it), expm1(y) = 2^k expm1(r) + (2^k − 1). Within a few units in the last place of
  ;; Math.tanh (tested), several times its speed.
  (func $tanh2 (param $x v128) (result v128)
    (local $y v128) (local $k v128) (local $r v128) (local $p v128) (local $scale v128) (local $u v128)
    (local.set $y (f64x2.max (f64x2.mul (f64x2.abs (local.get $x)) (f64x2.splat (f64.const -2))) (f64x2.splat (f64.const -40))))
    (local.set $k (f64x2.nearest (f64x2.mul (local.get $y) (f64x2.splat (f64.const 1.4426950408889634)))))
    ;; ln 2 = 0x1.62e42feep-1 (few bits, so k · it is exact for |k| ≤ 58) + 0x1.a39ef35793c76p-33
    (local.set $r (f64x2.sub
      (f64x2.sub (local.get $y) (f64x2.mul (local.get $k) (f64x2.splat (f64.const 0x1.62e42feep-1))))
      (f64x2.mul (local.get $k) (f64x2.splat (f64.const 0x1.a39ef35793c76p-33)))))
    ;; expm1(r) = r + r² (1/2! + r (1/3! + r (… + r / 13!)))
    (local.set $p (f64x2.splat (f64.const 1.6059043836821613e-10)))
    (local.set $p (f64x2.add (f64x2.splat (f64.const 2.08767569878681e-9)) (f64x2.mul (local.get $r) (local.get $p))))
    (local.set $p (f64x2.add (f64x2.splat (f64.const 2.505210838544172e-8)) (f64x2.mul (local.get $r) (local.get $p))))
    (local.set $p (f64x2.add (f64x2.splat (f64.const 2.755731922398589e-7)) (f64x2.mul (local.get $r) (local.get $p))))
    (local.set $p (f64x2.add (f64x2.splat (f64.const 2.7557319223985893e-6)) (f64x2.mul (local.get $r) (local.get $p))))
    (local.set $p (f64x2.add (f64x2.splat (f64.const 2.48015873015873e-5)) (f64x2.mul (local.get $r) (local.get $p))))
    (local.set $p (f64x2.add (f64x2.splat (f64.const 1.984126984126984e-4)) (f64x2.mul (local.get $r) (local.get $p))))
    (local.set $p (f64x2.add (f64x2.splat (f64.const 1.388888888888889e-3)) (f64x2.mul (local.get $r) (local.get $p))))
    (local.set $p (f64x2.add (f64x2.splat (f64.const 8.333333333333333e-3)) (f64x2.mul (local.get $r) (local.get $p))))
    (local.set $p (f64x2.add (f64x2.splat (f64.const 4.1666666666666664e-2)) (f64x2.mul (local.get $r) (local.get $p))))
    (local.set $p (f64x2.add (f64x2.splat (f64.const 0.16666666666666666)) (f64x2.mul (local.get $r) (local.get $p))))
    (local.set $p (f64x2.add (f64x2.splat (f64.const 0.5)) (f64x2.mul (local.get $r) (local.get $p))))
    (local.set $p (f64x2.add (local.get $r) (f64x2.mul (f64x2.mul (local.get $r) (local.get $r)) (local.get $p))))
    ;; 2^k from its exponent bits (k is an integer in [−58, 0])
    (local.set $scale (i64x2.shl
      (i64x2.add (i64x2.extend_low_i32x4_s (i32x4.trunc_sat_f64x2_s_zero (local.get $k))) (i64x2.splat (i64.const 1023)))
      (i32.const 52)))
    (local.set $u (f64x2.add (f64x2.mul (local.get $scale) (local.get $p)) (f64x2.sub (local.get $scale) (f64x2.splat (f64.const 1)))))
    (v128.or
      (f64x2.abs (f64x2.div (f64x2.neg (local.get $u)) (f64x2.add (local.get $u) (f64x2.splat (f64.const 2)))))
      (v128.and (local.get $x) (v128.const i64x2 0x8000000000000000 0x8000000000000000))))

  ;; h = tanh(z) over `count` float64s, four at a time in two independent f64x2 streams (the polynomial's chain of
  ;; dependent operations is long), then one pair and an odd last value through the same arithmetic (`$tanh2`).
  ;; `$k0`, `$k1` hold 2^k once k is used; the tails' `$tanh2` is the same arithmetic (each path tested against Math.tanh).
  (func (export "tanh_into") (param $z i32) (param $h i32) (param $count i32)
    (local $k i32) (local $quads i32) (local $pairs i32) (local $at i32) (local $out i32)
    (local $x0 v128) (local $y0 v128) (local $k0 v128) (local $r0 v128) (local $p0 v128)
    (local $x1 v128) (local $y1 v128) (local $k1 v128) (local $r1 v128) (local $p1 v128)
    (local.set $quads (i32.and (local.get $count) (i32.const -4)))
    (local.set $pairs (i32.and (local.get $count) (i32.const -2)))
    (local.set $k (i32.const 0))
    (block $done
      (loop $next_quad
        (br_if $done (i32.ge_u (local.get $k) (local.get $quads)))
        (local.set $at (i32.add (local.get $z) (i32.shl (local.get $k) (i32.const 3))))
        (local.set $out (i32.add (local.get $h) (i32.shl (local.get $k) (i32.const 3))))
        (local.set $x0 (v128.load offset=0 (local.get $at)))
        (local.set $x1 (v128.load offset=16 (local.get $at)))
        (local.set $y0 (f64x2.max (f64x2.mul (f64x2.abs (local.get $x0)) (f64x2.splat (f64.const -2))) (f64x2.splat (f64.const -40))))
        (local.set $y1 (f64x2.max (f64x2.mul (f64x2.abs (local.get $x1)) (f64x2.splat (f64.const -2))) (f64x2.splat (f64.const -40))))
        (local.set $k0 (f64x2.nearest (f64x2.mul (local.get $y0) (f64x2.splat (f64.const 1.4426950408889634)))))
        (local.set $k1 (f64x2.nearest (f64x2.mul (local.get $y1) (f64x2.splat (f64.const 1.4426950408889634)))))
        (local.set $r0 (f64x2.sub (f64x2.sub (local.get $y0) (f64x2.mul (local.get $k0) (f64x2.splat (f64.const 0x1.62e42feep-1))))
          (f64x2.mul (local.get $k0) (f64x2.splat (f64.const 0x1.a39ef35793c76p-33)))))
        (local.set $r1 (f64x2.sub (f64x2.sub (local.get $y1) (f64x2.mul (local.get $k1) (f64x2.splat (f64.const 0x1.62e42feep-1))))
          (f64x2.mul (local.get $k1) (f64x2.splat (f64.const 0x1.a39ef35793c76p-33)))))
        (local.set $p0 (f64x2.splat (f64.const 1.6059043836821613e-10)))
        (local.set $p1 (f64x2.splat (f64.const 1.6059043836821613e-10)))
        (local.set $p0 (f64x2.add (f64x2.splat (f64.const 2.08767569878681e-9)) (f64x2.mul (local.get $r0) (local.get $p0))))
        (local.set $p1 (f64x2.add (f64x2.splat (f64.const 2.08767569878681e-9)) (f64x2.mul (local.get $r1) (local.get $p1))))
        (local.set $p0 (f64x2.add (f64x2.splat (f64.const 2.505210838544172e-8)) (f64x2.mul (local.get $r0) (local.get $p0))))
        (local.set $p1 (f64x2.add (f64x2.splat (f64.const 2.505210838544172e-8)) (f64x2.mul (local.get $r1) (local.get $p1))))
        (local.set $p0 (f64x2.add (f64x2.splat (f64.const 2.755731922398589e-7)) (f64x2.mul (local.get $r0) (local.get $p0))))
        (local.set $p1 (f64x2.add (f64x2.splat (f64.const 2.755731922398589e-7)) (f64x2.mul (local.get $r1) (local.get $p1))))
        (local.set $p0 (f64x2.add (f64x2.splat (f64.const 2.7557319223985893e-6)) (f64x2.mul (local.get $r0) (local.get $p0))))
        (local.set $p1 (f64x2.add (f64x2.splat (f64.const 2.7557319223985893e-6)) (f64x2.mul (local.get $r1) (local.get $p1))))
        (local.set $p0 (f64x2.add (f64x2.splat (f64.const 2.48015873015873e-5)) (f64x2.mul (local.get $r0) (local.get $p0))))
        (local.set $p1 (f64x2.add (f64x2.splat (f64.const 2.48015873015873e-5)) (f64x2.mul (local.get $r1) (local.get $p1))))
        (local.set $p0 (f64x2.add (f64x2.splat (f64.const 1.984126984126984e-4)) (f64x2.mul (local.get $r0) (local.get $p0))))
        (local.set $p1 (f64x2.add (f64x2.splat (f64.const 1.984126984126984e-4)) (f64x2.mul (local.get $r1) (local.get $p1))))
        (local.set $p0 (f64x2.add (f64x2.splat (f64.const 1.388888888888889e-3)) (f64x2.mul (local.get $r0) (local.get $p0))))
        (local.set $p1 (f64x2.add (f64x2.splat (f64.const 1.388888888888889e-3)) (f64x2.mul (local.get $r1) (local.get $p1))))
        (local.set $p0 (f64x2.add (f64x2.splat (f64.const 8.333333333333333e-3)) (f64x2.mul (local.get $r0) (local.get $p0))))
        (local.set $p1 (f64x2.add (f64x2.splat (f64.const 8.333333333333333e-3)) (f64x2.mul (local.get $r1) (local.get $p1))))
        (local.set $p0 (f64x2.add (f64x2.splat (f64.const 4.1666666666666664e-2)) (f64x2.mul (local.get $r0) (local.get $p0))))
        (local.set $p1 (f64x2.add (f64x2.splat (f64.const 4.1666666666666664e-2)) (f64x2.mul (local.get $r1) (local.get $p1))))
        (local.set $p0 (f64x2.add (f64x2.splat (f64.const 0.16666666666666666)) (f64x2.mul (local.get $r0) (local.get $p0))))
        (local.set $p1 (f64x2.add (f64x2.splat (f64.const 0.16666666666666666)) (f64x2.mul (local.get $r1) (local.get $p1))))
        (local.set $p0 (f64x2.add (f64x2.splat (f64.const 0.5)) (f64x2.mul (local.get $r0) (local.get $p0))))
        (local.set $p1 (f64x2.add (f64x2.splat (f64.const 0.5)) (f64x2.mul (local.get $r1) (local.get $p1))))
        (local.set $p0 (f64x2.add (local.get $r0) (f64x2.mul (f64x2.mul (local.get $r0) (local.get $r0)) (local.get $p0))))
        (local.set $p1 (f64x2.add (local.get $r1) (f64x2.mul (f64x2.mul (local.get $r1) (local.get $r1)) (local.get $p1))))
        (local.set $k0 (i64x2.shl (i64x2.add (i64x2.extend_low_i32x4_s (i32x4.trunc_sat_f64x2_s_zero (local.get $k0)))
          (i64x2.splat (i64.const 1023))) (i32.const 52)))
        (local.set $k1 (i64x2.shl (i64x2.add (i64x2.extend_low_i32x4_s (i32x4.trunc_sat_f64x2_s_zero (local.get $k1)))
          (i64x2.splat (i64.const 1023))) (i32.const 52)))
        (local.set $p0 (f64x2.add (f64x2.mul (local.get $k0) (local.get $p0)) (f64x2.sub (local.get $k0) (f64x2.splat (f64.const 1)))))
        (local.set $p1 (f64x2.add (f64x2.mul (local.get $k1) (local.get $p1)) (f64x2.sub (local.get $k1) (f64x2.splat (f64.const 1)))))
        (v128.store offset=0 (local.get $out)
          (v128.or (f64x2.abs (f64x2.div (f64x2.neg (local.get $p0)) (f64x2.add (local.get $p0) (f64x2.splat (f64.const 2)))))
            (v128.and (local.get $x0) (v128.const i64x2 0x8000000000000000 0x8000000000000000))))
        (v128.store offset=16 (local.get $out)
          (v128.or (f64x2.abs (f64x2.div (f64x2.neg (local.get $p1)) (f64x2.add (local.get $p1) (f64x2.splat (f64.const 2)))))
            (v128.and (local.get $x1) (v128.const i64x2 0x8000000000000000 0x8000000000000000))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $next_quad)))
    (if (i32.lt_u (local.get $k) (local.get $pairs))
      (then
        (v128.store (i32.add (local.get $h) (i32.shl (local.get $k) (i32.const 3)))
          (call $tanh2 (v128.load (i32.add (local.get $z) (i32.shl (local.get $k) (i32.const 3))))))))
    (if (i32.lt_u (local.get $pairs) (local.get $count))
      (then
        (f64.store (i32.add (local.get $h) (i32.shl (local.get $pairs) (i32.const 3)))
          (f64x2.extract_lane 0 (call $tanh2 (f64x2.splat
            (f64.load (i32.add (local.get $z) (i32.shl (local.get $pairs) (i32.const 3)))))))))))

  ;; dst[k] = float32(weight · src[k]) for `count` float64s (the factors queryFactors keeps; weight 1 rounds alone).
  (func (export "scale_to_f32") (param $dst i32) (param $src i32) (param $count i32) (param $weight f64)
    (local $k i32)
    (local.set $k (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $count)))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $k) (i32.const 2)))
          (f32.demote_f64 (f64.mul (local.get $weight) (f64.load (i32.add (local.get $src) (i32.shl (local.get $k) (i32.const 3)))))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next))))

  ;; acc + Σ_m (weight · δ_m) · (b_m − a_m), added in order of m: the first layer's part of Φ·Δ_s from the products at
  ;; both ends of the step (a, b) and one row's δ.
  (func (export "first_layer_dot") (param $acc f64) (param $delta i32) (param $a i32) (param $b i32) (param $out i32) (param $weight f64)
    (result f64)
    (local $m i32) (local $at i32)
    (local.set $m (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $m) (local.get $out)))
        (local.set $at (i32.shl (local.get $m) (i32.const 3)))
        (local.set $acc (f64.add (local.get $acc)
          (f64.mul (f64.mul (local.get $weight) (f64.load (i32.add (local.get $delta) (local.get $at))))
            (f64.sub (f64.load (i32.add (local.get $b) (local.get $at))) (f64.load (i32.add (local.get $a) (local.get $at)))))))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $next)))
    (local.get $acc))
)
