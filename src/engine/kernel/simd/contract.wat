;; The contraction of one dense layer for one step, in WebAssembly SIMD (f32x4):
;;   terms[b] += Σ_j a[b,j] · Σ_m U[j,m] · δ[b,m]  +  Σ_m U_bias[m] · δ[b,m]     for b < B
;; i.e. the per-example gradient G_b = a_b ⊗ δ_b dotted with U, in the factored form of
;; path-kernel.md §3, without ever forming G. Inner sums of one row run in f32x4 lanes; the sum over
;; j and the terms accumulate in f64 (sums over steps and examples stay float64).
(module
  (memory (export "memory") 1)
  (func (export "layer")
    (param $u i32) (param $ubias i32) (param $a i32) (param $d i32) (param $terms i32)
    (param $B i32) (param $in i32) (param $out i32)
    (local $b i32) (local $j i32) (local $m i32) (local $out4 i32)
    (local $arow i32) (local $drow i32) (local $urow i32)
    (local $aj f32) (local $acc f64) (local $s v128) (local $tail f32)
    (local.set $out4 (i32.and (local.get $out) (i32.const -4)))
    (local.set $b (i32.const 0))
    (block $done_b
      (loop $next_b
        (br_if $done_b (i32.ge_u (local.get $b) (local.get $B)))
        (local.set $arow (i32.add (local.get $a) (i32.shl (i32.mul (local.get $b) (local.get $in)) (i32.const 2))))
        (local.set $drow (i32.add (local.get $d) (i32.shl (i32.mul (local.get $b) (local.get $out)) (i32.const 2))))
        (local.set $acc (f64.const 0))
        ;; kernel part
        (local.set $j (i32.const 0))
        (block $done_j
          (loop $next_j
            (br_if $done_j (i32.ge_u (local.get $j) (local.get $in)))
            (local.set $aj (f32.load (i32.add (local.get $arow) (i32.shl (local.get $j) (i32.const 2)))))
            (if (f32.ne (local.get $aj) (f32.const 0))
              (then
                (local.set $urow (i32.add (local.get $u) (i32.shl (i32.mul (local.get $j) (local.get $out)) (i32.const 2))))
                (local.set $s (f32x4.splat (f32.const 0)))
                (local.set $m (i32.const 0))
                (block $done_m
                  (loop $next_m
                    (br_if $done_m (i32.ge_u (local.get $m) (local.get $out4)))
                    (local.set $s (f32x4.add (local.get $s)
                      (f32x4.mul
                        (v128.load (i32.add (local.get $urow) (i32.shl (local.get $m) (i32.const 2))))
                        (v128.load (i32.add (local.get $drow) (i32.shl (local.get $m) (i32.const 2)))))))
                    (local.set $m (i32.add (local.get $m) (i32.const 4)))
                    (br $next_m)))
                (local.set $tail (f32.const 0))
                (block $done_t
                  (loop $next_t
                    (br_if $done_t (i32.ge_u (local.get $m) (local.get $out)))
                    (local.set $tail (f32.add (local.get $tail)
                      (f32.mul
                        (f32.load (i32.add (local.get $urow) (i32.shl (local.get $m) (i32.const 2))))
                        (f32.load (i32.add (local.get $drow) (i32.shl (local.get $m) (i32.const 2)))))))
                    (local.set $m (i32.add (local.get $m) (i32.const 1)))
                    (br $next_t)))
                (local.set $acc (f64.add (local.get $acc)
                  (f64.mul
                    (f64.promote_f32 (local.get $aj))
                    (f64.promote_f32
                      (f32.add (local.get $tail)
                        (f32.add
                          (f32.add (f32x4.extract_lane 0 (local.get $s)) (f32x4.extract_lane 1 (local.get $s)))
                          (f32.add (f32x4.extract_lane 2 (local.get $s)) (f32x4.extract_lane 3 (local.get $s)))))))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $next_j)))
        ;; bias part
        (local.set $m (i32.const 0))
        (block $done_bias
          (loop $next_bias
            (br_if $done_bias (i32.ge_u (local.get $m) (local.get $out)))
            (local.set $acc (f64.add (local.get $acc)
              (f64.promote_f32 (f32.mul
                (f32.load (i32.add (local.get $ubias) (i32.shl (local.get $m) (i32.const 2))))
                (f32.load (i32.add (local.get $drow) (i32.shl (local.get $m) (i32.const 2))))))))
            (local.set $m (i32.add (local.get $m) (i32.const 1)))
            (br $next_bias)))
        (f64.store (i32.add (local.get $terms) (i32.shl (local.get $b) (i32.const 3)))
          (f64.add (f64.load (i32.add (local.get $terms) (i32.shl (local.get $b) (i32.const 3)))) (local.get $acc)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $next_b))))
  ;; The optimizer's reverse sweep for one step over a run of parameters (path-kernel.md §2.1–2.3),
  ;; with Φ given densely (f64) or as the first layer's outer product x ⊗ d (Φ[j,m] = x_j d_m):
  ;;   next = S_p Φ_p + decay · carry_p;  carry_p = next;  U_p = nesterov ? S_p Φ_p + decay · next : next
  ;; S_p is the step's η_r D_r (Adam, f32 per parameter) or the scalar η_r (scale = 0).
  (func $update (param $p i32) (param $phi f64) (param $u i32) (param $carry i32) (param $scale i32)
    (param $eta f64) (param $decay f64) (param $nesterov i32)
    (local $step f64) (local $next f64) (local $cp i32)
    (local.set $step (f64.mul (local.get $phi)
      (if (result f64) (local.get $scale)
        (then (f64.promote_f32 (f32.load (i32.add (local.get $scale) (i32.shl (local.get $p) (i32.const 2))))))
        (else (local.get $eta)))))
    (local.set $cp (i32.add (local.get $carry) (i32.shl (local.get $p) (i32.const 3))))
    (local.set $next (f64.add (local.get $step) (f64.mul (local.get $decay) (f64.load (local.get $cp)))))
    (f64.store (local.get $cp) (local.get $next))
    (f32.store (i32.add (local.get $u) (i32.shl (local.get $p) (i32.const 2)))
      (f32.demote_f64
        (if (result f64) (local.get $nesterov)
          (then (f64.add (local.get $step) (f64.mul (local.get $decay) (local.get $next))))
          (else (local.get $next))))))
  (func (export "sweep_dense")
    (param $u i32) (param $carry i32) (param $scale i32) (param $phi i32) (param $from i32) (param $to i32)
    (param $eta f64) (param $decay f64) (param $nesterov i32)
    (local $p i32)
    (local.set $p (local.get $from))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $to)))
        (call $update (local.get $p) (f64.load (i32.add (local.get $phi) (i32.shl (local.get $p) (i32.const 3))))
          (local.get $u) (local.get $carry) (local.get $scale) (local.get $eta) (local.get $decay) (local.get $nesterov))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next))))
  (func (export "sweep_outer")
    (param $u i32) (param $carry i32) (param $scale i32) (param $x i32) (param $d i32) (param $offset i32)
    (param $inputs i32) (param $outputs i32) (param $eta f64) (param $decay f64) (param $nesterov i32)
    (local $j i32) (local $m i32) (local $xj f64) (local $p i32)
    (local.set $j (i32.const 0))
    (block $done_j
      (loop $next_j
        (br_if $done_j (i32.ge_u (local.get $j) (local.get $inputs)))
        (local.set $xj (f64.load (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 3)))))
        (local.set $p (i32.add (local.get $offset) (i32.mul (local.get $j) (local.get $outputs))))
        (local.set $m (i32.const 0))
        (block $done_m
          (loop $next_m
            (br_if $done_m (i32.ge_u (local.get $m) (local.get $outputs)))
            (call $update (i32.add (local.get $p) (local.get $m))
              (f64.mul (local.get $xj) (f64.load (i32.add (local.get $d) (i32.shl (local.get $m) (i32.const 3)))))
              (local.get $u) (local.get $carry) (local.get $scale) (local.get $eta) (local.get $decay) (local.get $nesterov))
            (local.set $m (i32.add (local.get $m) (i32.const 1)))
            (br $next_m)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next_j)))))
