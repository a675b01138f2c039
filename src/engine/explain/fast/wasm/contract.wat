;; The contraction of one dense layer for one step, in WebAssembly SIMD (f32x4):
;;   terms[b] += Σ_m (Σ_j a[b,j] · U[j,m]) · δ[b,m]  +  Σ_m U_bias[m] · δ[b,m]     for b < B
;; i.e. the per-example gradient G_b = a_b ⊗ δ_b dotted with U, in the factored form of
;; path-kernel.md §3, without ever forming G. Two rows b share every load of U: for a chunk of 16
;; columns m, V_b = Σ_j a[b,j] U[j, m..m+16] accumulates in eight f32x4 registers (a register-blocked
;; vector-matrix product); V_b · δ_b and the terms accumulate in f64 (sums over steps and examples stay float64).
;; `scratch` holds 32 floats (the two V chunks). Loads of U may run up to 15 floats past a row's end (the
;; next row, the bias, later buffers: always inside memory); those lanes never meet a δ.
;; The sum over j runs over the `count` rows listed in `rows` (i32, ascending): all rows, or for the first layer
;; the rows whose query input is nonzero (the others' U is zero at every step, so they add nothing).
(module
  (memory (export "memory") 1)
  (func (export "layer")
    (param $u i32) (param $ubias i32) (param $a i32) (param $d i32) (param $terms i32)
    (param $B i32) (param $in i32) (param $out i32) (param $scratch i32) (param $rows i32) (param $count i32)
    (local $b0 i32) (local $b1 i32) (local $j i32) (local $t i32) (local $m0 i32) (local $m i32) (local $mend i32)
    (local $arow0 i32) (local $arow1 i32) (local $drow0 i32) (local $drow1 i32) (local $urow i32)
    (local $s0 v128) (local $s1 v128) (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $e0 v128) (local $e1 v128) (local $e2 v128) (local $e3 v128)
    (local $acc0 f64) (local $acc1 f64)
    (local.set $b0 (i32.const 0))
    (block $done_b
      (loop $next_b
        (br_if $done_b (i32.ge_u (local.get $b0) (local.get $B)))
        ;; The pair (b0, b1); an odd last row pairs with itself and its second copy is dropped.
        (local.set $b1 (select (i32.add (local.get $b0) (i32.const 1)) (local.get $b0)
          (i32.lt_u (i32.add (local.get $b0) (i32.const 1)) (local.get $B))))
        (local.set $arow0 (i32.add (local.get $a) (i32.shl (i32.mul (local.get $b0) (local.get $in)) (i32.const 2))))
        (local.set $arow1 (i32.add (local.get $a) (i32.shl (i32.mul (local.get $b1) (local.get $in)) (i32.const 2))))
        (local.set $drow0 (i32.add (local.get $d) (i32.shl (i32.mul (local.get $b0) (local.get $out)) (i32.const 2))))
        (local.set $drow1 (i32.add (local.get $d) (i32.shl (i32.mul (local.get $b1) (local.get $out)) (i32.const 2))))
        (local.set $acc0 (f64.const 0))
        (local.set $acc1 (f64.const 0))
        ;; kernel part, 16 columns at a time
        (local.set $m0 (i32.const 0))
        (block $done_m0
          (loop $next_m0
            (br_if $done_m0 (i32.ge_u (local.get $m0) (local.get $out)))
            (local.set $c0 (v128.const i64x2 0 0)) (local.set $c1 (v128.const i64x2 0 0))
            (local.set $c2 (v128.const i64x2 0 0)) (local.set $c3 (v128.const i64x2 0 0))
            (local.set $e0 (v128.const i64x2 0 0)) (local.set $e1 (v128.const i64x2 0 0))
            (local.set $e2 (v128.const i64x2 0 0)) (local.set $e3 (v128.const i64x2 0 0))
            (local.set $t (i32.const 0))
            (block $done_j
              (loop $next_j
                (br_if $done_j (i32.ge_u (local.get $t) (local.get $count)))
                (local.set $j (i32.load (i32.add (local.get $rows) (i32.shl (local.get $t) (i32.const 2)))))
                (local.set $urow (i32.add (local.get $u)
                  (i32.shl (i32.add (i32.mul (local.get $j) (local.get $out)) (local.get $m0)) (i32.const 2))))
                (local.set $s0 (v128.load32_splat (i32.add (local.get $arow0) (i32.shl (local.get $j) (i32.const 2)))))
                (local.set $s1 (v128.load32_splat (i32.add (local.get $arow1) (i32.shl (local.get $j) (i32.const 2)))))
                (local.set $v0 (v128.load offset=0 (local.get $urow)))
                (local.set $v1 (v128.load offset=16 (local.get $urow)))
                (local.set $v2 (v128.load offset=32 (local.get $urow)))
                (local.set $v3 (v128.load offset=48 (local.get $urow)))
                (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $v0) (local.get $s0))))
                (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $v1) (local.get $s0))))
                (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $v2) (local.get $s0))))
                (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $v3) (local.get $s0))))
                (local.set $e0 (f32x4.add (local.get $e0) (f32x4.mul (local.get $v0) (local.get $s1))))
                (local.set $e1 (f32x4.add (local.get $e1) (f32x4.mul (local.get $v1) (local.get $s1))))
                (local.set $e2 (f32x4.add (local.get $e2) (f32x4.mul (local.get $v2) (local.get $s1))))
                (local.set $e3 (f32x4.add (local.get $e3) (f32x4.mul (local.get $v3) (local.get $s1))))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $next_j)))
            (v128.store offset=0 (local.get $scratch) (local.get $c0))
            (v128.store offset=16 (local.get $scratch) (local.get $c1))
            (v128.store offset=32 (local.get $scratch) (local.get $c2))
            (v128.store offset=48 (local.get $scratch) (local.get $c3))
            (v128.store offset=64 (local.get $scratch) (local.get $e0))
            (v128.store offset=80 (local.get $scratch) (local.get $e1))
            (v128.store offset=96 (local.get $scratch) (local.get $e2))
            (v128.store offset=112 (local.get $scratch) (local.get $e3))
            ;; V_b · δ_b over this chunk's real columns, in f64
            (local.set $mend (select (i32.add (local.get $m0) (i32.const 16)) (local.get $out)
              (i32.lt_u (i32.add (local.get $m0) (i32.const 16)) (local.get $out))))
            (local.set $m (local.get $m0))
            (block $done_m
              (loop $next_m
                (br_if $done_m (i32.ge_u (local.get $m) (local.get $mend)))
                (local.set $acc0 (f64.add (local.get $acc0)
                  (f64.mul
                    (f64.promote_f32 (f32.load offset=0 (i32.add (local.get $scratch) (i32.shl (i32.sub (local.get $m) (local.get $m0)) (i32.const 2)))))
                    (f64.promote_f32 (f32.load (i32.add (local.get $drow0) (i32.shl (local.get $m) (i32.const 2))))))))
                (local.set $acc1 (f64.add (local.get $acc1)
                  (f64.mul
                    (f64.promote_f32 (f32.load offset=64 (i32.add (local.get $scratch) (i32.shl (i32.sub (local.get $m) (local.get $m0)) (i32.const 2)))))
                    (f64.promote_f32 (f32.load (i32.add (local.get $drow1) (i32.shl (local.get $m) (i32.const 2))))))))
                (local.set $m (i32.add (local.get $m) (i32.const 1)))
                (br $next_m)))
            (local.set $m0 (i32.add (local.get $m0) (i32.const 16)))
            (br $next_m0)))
        ;; bias part
        (local.set $m (i32.const 0))
        (block $done_bias
          (loop $next_bias
            (br_if $done_bias (i32.ge_u (local.get $m) (local.get $out)))
            (local.set $acc0 (f64.add (local.get $acc0)
              (f64.promote_f32 (f32.mul
                (f32.load (i32.add (local.get $ubias) (i32.shl (local.get $m) (i32.const 2))))
                (f32.load (i32.add (local.get $drow0) (i32.shl (local.get $m) (i32.const 2))))))))
            (local.set $acc1 (f64.add (local.get $acc1)
              (f64.promote_f32 (f32.mul
                (f32.load (i32.add (local.get $ubias) (i32.shl (local.get $m) (i32.const 2))))
                (f32.load (i32.add (local.get $drow1) (i32.shl (local.get $m) (i32.const 2))))))))
            (local.set $m (i32.add (local.get $m) (i32.const 1)))
            (br $next_bias)))
        (f64.store (i32.add (local.get $terms) (i32.shl (local.get $b0) (i32.const 3)))
          (f64.add (f64.load (i32.add (local.get $terms) (i32.shl (local.get $b0) (i32.const 3)))) (local.get $acc0)))
        (if (i32.ne (local.get $b1) (local.get $b0))
          (then
            (f64.store (i32.add (local.get $terms) (i32.shl (local.get $b1) (i32.const 3)))
              (f64.add (f64.load (i32.add (local.get $terms) (i32.shl (local.get $b1) (i32.const 3)))) (local.get $acc1)))))
        (local.set $b0 (i32.add (local.get $b0) (i32.const 2)))
        (br $next_b))))
  ;; The optimizer's reverse sweep for one step over a run of parameters (path-kernel.md §2.1–2.3),
  ;; with Φ given densely (f64) or by a layer's factors (sweep_factored):
  ;;   next = S_p Φ_p + decay · carry_p;  carry_p = next;  U_p = nesterov ? S_p Φ_p + decay · next : next
  ;; S_p is the step's η_r D_r (Adam, f32 per parameter) or the scalar η_r (scale = 0). Two parameters per
  ;; f64x2 lane pair; `$update` is the same arithmetic for one parameter (an odd tail). `phi` holds Φ_from, Φ_from+1, …
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
    (call $sweep_row (local.get $u) (local.get $carry) (local.get $scale) (local.get $phi) (i32.const 0) (i32.const 1)
      (f64.const 1) (f64.const 0) (f64.const 0) (f64.const 0)
      (local.get $from) (local.get $to) (local.get $eta) (local.get $decay) (local.get $nesterov)))
  ;; sweep_dense with Φ_from+k formed in registers from up to four factor pairs of one kernel row,
  ;;   Φ = ((f0 · d[k]) + f1 · d[stride + k]) + f2 · d[2 stride + k] + …   (the first `count` terms),
  ;; the sums sweep_factored would have formed in `phi` (same values, without the round trip through memory);
  ;; a dense Φ is count 1 with f0 = 1.
  (func $sweep_row
    (param $u i32) (param $carry i32) (param $scale i32) (param $d i32) (param $stride i32) (param $count i32)
    (param $f0 f64) (param $f1 f64) (param $f2 f64) (param $f3 f64)
    (param $from i32) (param $to i32) (param $eta f64) (param $decay f64) (param $nesterov i32)
    (local $p i32) (local $cp i32) (local $at i32) (local $sp i32) (local $up i32) (local $end i32) (local $bytes i32)
    (local $etas v128) (local $decays v128) (local $s v128) (local $step v128) (local $next v128) (local $phi v128)
    (local $g0 v128) (local $g1 v128) (local $g2 v128) (local $g3 v128) (local $one f64)
    (local.set $g0 (f64x2.splat (local.get $f0)))
    (local.set $g1 (f64x2.splat (local.get $f1)))
    (local.set $g2 (f64x2.splat (local.get $f2)))
    (local.set $g3 (f64x2.splat (local.get $f3)))
    (local.set $bytes (i32.shl (local.get $stride) (i32.const 3)))
    (local.set $etas (f64x2.splat (local.get $eta)))
    (local.set $decays (f64x2.splat (local.get $decay)))
    ;; pointers at parameter `from` of each array, advanced a pair at a time
    (local.set $at (local.get $d))
    (local.set $cp (i32.add (local.get $carry) (i32.shl (local.get $from) (i32.const 3))))
    (local.set $sp (i32.add (local.get $scale) (i32.shl (local.get $from) (i32.const 2))))
    (local.set $up (i32.add (local.get $u) (i32.shl (local.get $from) (i32.const 2))))
    (local.set $end (i32.add (local.get $u) (i32.shl (local.get $to) (i32.const 2))))
    (local.set $p (i32.add (local.get $from) (i32.and (i32.sub (local.get $to) (local.get $from)) (i32.const -2))))
    (block $done_pairs
      (loop $next_pair
        (br_if $done_pairs (i32.ge_u (i32.add (local.get $up) (i32.const 4)) (local.get $end)))
        (local.set $phi (f64x2.mul (local.get $g0) (v128.load (local.get $at))))
        (if (i32.gt_u (local.get $count) (i32.const 1))
          (then
            (local.set $phi (f64x2.add (local.get $phi)
              (f64x2.mul (local.get $g1) (v128.load (i32.add (local.get $at) (local.get $bytes))))))
            (if (i32.gt_u (local.get $count) (i32.const 2))
              (then
                (local.set $phi (f64x2.add (local.get $phi)
                  (f64x2.mul (local.get $g2) (v128.load (i32.add (local.get $at) (i32.shl (local.get $bytes) (i32.const 1)))))))
                (if (i32.gt_u (local.get $count) (i32.const 3))
                  (then
                    (local.set $phi (f64x2.add (local.get $phi)
                      (f64x2.mul (local.get $g3)
                        (v128.load (i32.add (local.get $at) (i32.mul (local.get $bytes) (i32.const 3)))))))))))))
        ;; (with scale = 0 the load reads unrelated memory that select discards)
        (local.set $s (select (result v128)
          (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $sp)))
          (local.get $etas)
          (local.get $scale)))
        (local.set $step (f64x2.mul (local.get $phi) (local.get $s)))
        (local.set $next (f64x2.add (local.get $step) (f64x2.mul (local.get $decays) (v128.load (local.get $cp)))))
        (v128.store (local.get $cp) (local.get $next))
        (v128.store64_lane 0 (local.get $up)
          (f32x4.demote_f64x2_zero
            (select (result v128)
              (f64x2.add (local.get $step) (f64x2.mul (local.get $decays) (local.get $next)))
              (local.get $next)
              (local.get $nesterov))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (local.set $cp (i32.add (local.get $cp) (i32.const 16)))
        (local.set $sp (i32.add (local.get $sp) (i32.const 8)))
        (local.set $up (i32.add (local.get $up) (i32.const 8)))
        (br $next_pair)))
    (if (i32.lt_u (local.get $p) (local.get $to))
      (then
        ;; the odd last parameter: the same sum, one lane
        (local.set $one (f64.mul (local.get $f0) (f64.load (local.get $at))))
        (if (i32.gt_u (local.get $count) (i32.const 1))
          (then (local.set $one (f64.add (local.get $one)
            (f64.mul (local.get $f1) (f64.load (i32.add (local.get $at) (local.get $bytes))))))))
        (if (i32.gt_u (local.get $count) (i32.const 2))
          (then (local.set $one (f64.add (local.get $one)
            (f64.mul (local.get $f2) (f64.load (i32.add (local.get $at) (i32.shl (local.get $bytes) (i32.const 1)))))))))
        (if (i32.gt_u (local.get $count) (i32.const 3))
          (then (local.set $one (f64.add (local.get $one)
            (f64.mul (local.get $f3) (f64.load (i32.add (local.get $at) (i32.mul (local.get $bytes) (i32.const 3)))))))))
        (call $update (local.get $p) (local.get $one)
          (local.get $u) (local.get $carry) (local.get $scale) (local.get $eta) (local.get $decay) (local.get $nesterov)))))
  ;; The k-th factor a[k, j] of row j (0 past `count`: those terms are never summed).
  (func $factor (param $a i32) (param $k i32) (param $j i32) (param $inputs i32) (param $count i32) (result f64)
    (if (result f64) (i32.lt_u (local.get $k) (local.get $count))
      (then (f64.load (i32.add (local.get $a)
        (i32.shl (i32.add (i32.mul (local.get $k) (local.get $inputs)) (local.get $j)) (i32.const 3)))))
      (else (f64.const 0))))
  ;; Φ of one layer from its factors, swept into U one kernel row (then the bias) at a time, so Φ only ever fills
  ;; `phi`'s first `outputs` floats (it stays in cache):
  ;;   Φ[j,m] = Σ_{k<count} a[k,j] d[k,m]   (kernel at `offset`),   Φ_bias[m] = Σ_k d[k,m]
  ;; a [count, inputs] and d [count, outputs] are float64; the first layer passes x and Σ_k δ_k (count 1). With at
  ;; most four factor pairs a row's Φ is formed inside the sweep ($sweep_row), from d directly.
  ;; With `skip_zero` a row j whose a[0, j] is zero is left alone: the first layer's rows where the query's x is zero
  ;; have Φ = 0 at every step, so their carry and U stay zero (the caller zeroes those rows of U once per query).
  (func (export "sweep_factored")
    (param $u i32) (param $carry i32) (param $scale i32) (param $phi i32) (param $a i32) (param $d i32) (param $count i32)
    (param $offset i32) (param $inputs i32) (param $outputs i32) (param $eta f64) (param $decay f64) (param $nesterov i32)
    (param $skip_zero i32)
    (local $j i32) (local $m i32) (local $k i32) (local $row i32) (local $s v128) (local $one f64) (local $bias i32)
    (local $dk i32) (local $pairs i32) (local $at i32)
    ;; the pairs' end: Φ[j, m] for m < pairs two at a time, an odd last column on its own
    (local.set $pairs (i32.and (local.get $outputs) (i32.const -2)))
    (local.set $j (i32.const 0))
    (block $done_j
      (loop $next_j
        (br_if $done_j (i32.ge_u (local.get $j) (local.get $inputs)))
        (if (i32.and (local.get $skip_zero)
              (f64.eq (f64.load (i32.add (local.get $a) (i32.shl (local.get $j) (i32.const 3)))) (f64.const 0)))
          (then
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $next_j)))
        (local.set $row (i32.add (local.get $offset) (i32.mul (local.get $j) (local.get $outputs))))
        (if (i32.le_u (local.get $count) (i32.const 4))
          (then
            (call $sweep_row (local.get $u) (local.get $carry) (local.get $scale) (local.get $d) (local.get $outputs) (local.get $count)
              (call $factor (local.get $a) (i32.const 0) (local.get $j) (local.get $inputs) (local.get $count))
              (call $factor (local.get $a) (i32.const 1) (local.get $j) (local.get $inputs) (local.get $count))
              (call $factor (local.get $a) (i32.const 2) (local.get $j) (local.get $inputs) (local.get $count))
              (call $factor (local.get $a) (i32.const 3) (local.get $j) (local.get $inputs) (local.get $count))
              (local.get $row) (i32.add (local.get $row) (local.get $outputs)) (local.get $eta) (local.get $decay) (local.get $nesterov))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $next_j)))
        ;; more pairs: Φ[j, ·] = ((0 + a[0,j] d[0,·]) + a[1,j] d[1,·]) + … in `phi`, factor by factor over the row
        ;; (it stays in cache)
        (local.set $m (i32.const 0))
        (block $done_zero
          (loop $next_zero
            (br_if $done_zero (i32.ge_u (local.get $m) (local.get $outputs)))
            (f64.store (i32.add (local.get $phi) (i32.shl (local.get $m) (i32.const 3))) (f64.const 0))
            (local.set $m (i32.add (local.get $m) (i32.const 1)))
            (br $next_zero)))
        (local.set $k (i32.const 0))
        (block $done_k
          (loop $next_k
            (br_if $done_k (i32.ge_u (local.get $k) (local.get $count)))
            (local.set $one (f64.load (i32.add (local.get $a)
              (i32.shl (i32.add (i32.mul (local.get $k) (local.get $inputs)) (local.get $j)) (i32.const 3)))))
            (local.set $s (f64x2.splat (local.get $one)))
            (local.set $dk (i32.add (local.get $d) (i32.shl (i32.mul (local.get $k) (local.get $outputs)) (i32.const 3))))
            (local.set $m (i32.const 0))
            (block $done_m
              (loop $next_m
                (br_if $done_m (i32.ge_u (local.get $m) (local.get $pairs)))
                (local.set $at (i32.add (local.get $phi) (i32.shl (local.get $m) (i32.const 3))))
                (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at))
                  (f64x2.mul (local.get $s) (v128.load (i32.add (local.get $dk) (i32.shl (local.get $m) (i32.const 3)))))))
                (local.set $m (i32.add (local.get $m) (i32.const 2)))
                (br $next_m)))
            (if (i32.lt_u (local.get $pairs) (local.get $outputs))
              (then
                (local.set $at (i32.add (local.get $phi) (i32.shl (local.get $pairs) (i32.const 3))))
                (f64.store (local.get $at) (f64.add (f64.load (local.get $at))
                  (f64.mul (local.get $one) (f64.load (i32.add (local.get $dk) (i32.shl (local.get $pairs) (i32.const 3)))))))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $next_k)))
        (call $sweep_row (local.get $u) (local.get $carry) (local.get $scale) (local.get $phi) (i32.const 0) (i32.const 1)
          (f64.const 1) (f64.const 0) (f64.const 0) (f64.const 0) (local.get $row)
          (i32.add (local.get $row) (local.get $outputs)) (local.get $eta) (local.get $decay) (local.get $nesterov))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next_j)))
    ;; bias: Σ_k d[k, m]
    (local.set $m (i32.const 0))
    (block $done_b
      (loop $next_b
        (br_if $done_b (i32.ge_u (local.get $m) (local.get $outputs)))
        (local.set $one (f64.const 0))
        (local.set $k (i32.const 0))
        (block $done_bk
          (loop $next_bk
            (br_if $done_bk (i32.ge_u (local.get $k) (local.get $count)))
            (local.set $one (f64.add (local.get $one)
              (f64.load (i32.add (local.get $d)
                (i32.shl (i32.add (i32.mul (local.get $k) (local.get $outputs)) (local.get $m)) (i32.const 3))))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $next_bk)))
        (f64.store (i32.add (local.get $phi) (i32.shl (local.get $m) (i32.const 3))) (local.get $one))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $next_b)))
    (local.set $bias (i32.add (local.get $offset) (i32.mul (local.get $inputs) (local.get $outputs))))
    (call $sweep_row (local.get $u) (local.get $carry) (local.get $scale) (local.get $phi) (i32.const 0) (i32.const 1)
      (f64.const 1) (f64.const 0) (f64.const 0) (f64.const 0) (local.get $bias)
      (i32.add (local.get $bias) (local.get $outputs)) (local.get $eta) (local.get $decay) (local.get $nesterov)))

  ;; Adam's step scale η_r D_r for one step, D_r = 1 / (c1 (sqrt(v_r / c2) + ε)) per parameter (adamDiagonal in
  ;; optimizerSweep.ts, the same float64 operations, rounded to float32 as that index stores it): v [P] float32.
  (func (export "step_scale") (param $dst i32) (param $v i32) (param $P i32) (param $c1 f64) (param $c2 f64) (param $eps f64) (param $eta f64)
    (local $p i32) (local $c1s v128) (local $c2s v128) (local $epss v128) (local $etas v128) (local $ones v128)
    (local.set $c1s (f64x2.splat (local.get $c1)))
    (local.set $c2s (f64x2.splat (local.get $c2)))
    (local.set $epss (f64x2.splat (local.get $eps)))
    (local.set $etas (f64x2.splat (local.get $eta)))
    (local.set $ones (f64x2.splat (f64.const 1)))
    (local.set $p (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (i32.add (local.get $p) (i32.const 1)) (local.get $P)))
        (v128.store64_lane 0 (i32.add (local.get $dst) (i32.shl (local.get $p) (i32.const 2)))
          (f32x4.demote_f64x2_zero
            (f64x2.mul (local.get $etas)
              (f64x2.div (local.get $ones)
                (f64x2.mul (local.get $c1s)
                  (f64x2.add
                    (f64x2.sqrt (f64x2.div
                      (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $v) (i32.shl (local.get $p) (i32.const 2)))))
                      (local.get $c2s)))
                    (local.get $epss)))))))
        (local.set $p (i32.add (local.get $p) (i32.const 2)))
        (br $next)))
    (if (i32.lt_u (local.get $p) (local.get $P))
      (then
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $p) (i32.const 2)))
          (f32.demote_f64
            (f64.mul (local.get $eta)
              (f64.div (f64.const 1)
                (f64.mul (local.get $c1)
                  (f64.add
                    (f64.sqrt (f64.div (f64.promote_f32 (f32.load (i32.add (local.get $v) (i32.shl (local.get $p) (i32.const 2)))))
                      (local.get $c2)))
                    (local.get $eps))))))))))
)
