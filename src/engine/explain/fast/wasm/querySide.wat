;; The query side's inner loops (queryFactors.ts) in WebAssembly SIMD, float64 throughout (f64x2 lanes).
;; The recorded weights w_0 … w_T live in this module's memory as float32 [T+1, P]; w_{s+1} is P floats
;; after w_s. Activations stay in JavaScript (Math.tanh and friends), between these calls.
(module
  (memory (export "memory") 1)

  ;; First-layer pre-activations for `count` weight indices (int32 at `steps`):
  ;;   z[c, m] = Σ_f x_f W_s[f, m] + b_s[m]        (kernel [F, out] at kOff, bias at bOff, in floats)
  (func (export "first_layer")
    (param $x i32) (param $F i32) (param $w i32) (param $P i32) (param $kOff i32) (param $bOff i32)
    (param $out i32) (param $steps i32) (param $count i32) (param $z i32)
    (local $c i32) (local $f i32) (local $m i32) (local $base i32) (local $row i32) (local $zrow i32) (local $xf f64) (local $xs v128)
    (local.set $c (i32.const 0))
    (block $done_c
      (loop $next_c
        (br_if $done_c (i32.ge_u (local.get $c) (local.get $count)))
        (local.set $base (i32.add (local.get $w)
          (i32.shl (i32.mul (i32.load (i32.add (local.get $steps) (i32.shl (local.get $c) (i32.const 2)))) (local.get $P)) (i32.const 2))))
        (local.set $zrow (i32.add (local.get $z) (i32.shl (i32.mul (local.get $c) (local.get $out)) (i32.const 3))))
        (memory.fill (local.get $zrow) (i32.const 0) (i32.shl (local.get $out) (i32.const 3)))
        (local.set $f (i32.const 0))
        (block $done_f
          (loop $next_f
            (br_if $done_f (i32.ge_u (local.get $f) (local.get $F)))
            (local.set $xf (f64.load (i32.add (local.get $x) (i32.shl (local.get $f) (i32.const 3)))))
            (if (f64.ne (local.get $xf) (f64.const 0))
              (then
                (local.set $xs (f64x2.splat (local.get $xf)))
                (local.set $row (i32.add (local.get $base)
                  (i32.shl (i32.add (local.get $kOff) (i32.mul (local.get $f) (local.get $out))) (i32.const 2))))
                (local.set $m (i32.const 0))
                (block $done_m
                  (loop $next_m
                    (br_if $done_m (i32.ge_u (i32.add (local.get $m) (i32.const 1)) (local.get $out)))
                    (v128.store (i32.add (local.get $zrow) (i32.shl (local.get $m) (i32.const 3)))
                      (f64x2.add
                        (v128.load (i32.add (local.get $zrow) (i32.shl (local.get $m) (i32.const 3))))
                        (f64x2.mul (local.get $xs)
                          (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $row) (i32.shl (local.get $m) (i32.const 2))))))))
                    (local.set $m (i32.add (local.get $m) (i32.const 2)))
                    (br $next_m)))
                (if (i32.lt_u (local.get $m) (local.get $out))
                  (then
                    (f64.store (i32.add (local.get $zrow) (i32.shl (local.get $m) (i32.const 3)))
                      (f64.add
                        (f64.load (i32.add (local.get $zrow) (i32.shl (local.get $m) (i32.const 3))))
                        (f64.mul (local.get $xf)
                          (f64.promote_f32 (f32.load (i32.add (local.get $row) (i32.shl (local.get $m) (i32.const 2))))))))))))
            (local.set $f (i32.add (local.get $f) (i32.const 1)))
            (br $next_f)))
        ;; + bias
        (local.set $row (i32.add (local.get $base) (i32.shl (local.get $bOff) (i32.const 2))))
        (local.set $m (i32.const 0))
        (block $done_b
          (loop $next_b
            (br_if $done_b (i32.ge_u (local.get $m) (local.get $out)))
            (f64.store (i32.add (local.get $zrow) (i32.shl (local.get $m) (i32.const 3)))
              (f64.add
                (f64.load (i32.add (local.get $zrow) (i32.shl (local.get $m) (i32.const 3))))
                (f64.promote_f32 (f32.load (i32.add (local.get $row) (i32.shl (local.get $m) (i32.const 2)))))))
            (local.set $m (i32.add (local.get $m) (i32.const 1)))
            (br $next_b)))
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
    (local.get $total)))
