;; A matrix product in WebAssembly SIMD (f32x4), row-major:   V[r, n] = Σ_k A[r, k] · U[k, n]   for r < R, n < N.
;; The register blocking of the contraction (contract.wat): two rows of A share every load of U, and for a chunk of
;; 16 columns eight f32x4 registers accumulate over k. Loads of U may run up to 15 floats past a row's end (the
;; caller leaves room after U); a last chunk narrower than 16 is stored through `scratch` (32 floats), so V is
;; written only where n < N. Sums are float32, accumulated in k order.
(module
  (memory (export "memory") 1)
  (func (export "rows_times")
    (param $a i32) (param $u i32) (param $v i32) (param $R i32) (param $K i32) (param $N i32) (param $scratch i32)
    (local $r0 i32) (local $r1 i32) (local $n0 i32) (local $k i32) (local $m i32) (local $width i32)
    (local $arow0 i32) (local $arow1 i32) (local $urow i32) (local $vrow0 i32) (local $vrow1 i32)
    (local $s0 v128) (local $s1 v128) (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $e0 v128) (local $e1 v128) (local $e2 v128) (local $e3 v128)
    (local.set $r0 (i32.const 0))
    (block $done_r
      (loop $next_r
        (br_if $done_r (i32.ge_u (local.get $r0) (local.get $R)))
        ;; The pair (r0, r1); an odd last row pairs with itself and its second copy is not stored.
        (local.set $r1 (select (i32.add (local.get $r0) (i32.const 1)) (local.get $r0)
          (i32.lt_u (i32.add (local.get $r0) (i32.const 1)) (local.get $R))))
        (local.set $arow0 (i32.add (local.get $a) (i32.shl (i32.mul (local.get $r0) (local.get $K)) (i32.const 2))))
        (local.set $arow1 (i32.add (local.get $a) (i32.shl (i32.mul (local.get $r1) (local.get $K)) (i32.const 2))))
        (local.set $n0 (i32.const 0))
        (block $done_n
          (loop $next_n
            (br_if $done_n (i32.ge_u (local.get $n0) (local.get $N)))
            (local.set $c0 (v128.const i64x2 0 0)) (local.set $c1 (v128.const i64x2 0 0))
            (local.set $c2 (v128.const i64x2 0 0)) (local.set $c3 (v128.const i64x2 0 0))
            (local.set $e0 (v128.const i64x2 0 0)) (local.set $e1 (v128.const i64x2 0 0))
            (local.set $e2 (v128.const i64x2 0 0)) (local.set $e3 (v128.const i64x2 0 0))
            (local.set $urow (i32.add (local.get $u) (i32.shl (local.get $n0) (i32.const 2))))
            (local.set $k (i32.const 0))
            (block $done_k
              (loop $next_k
                (br_if $done_k (i32.ge_u (local.get $k) (local.get $K)))
                (local.set $s0 (v128.load32_splat (i32.add (local.get $arow0) (i32.shl (local.get $k) (i32.const 2)))))
                (local.set $s1 (v128.load32_splat (i32.add (local.get $arow1) (i32.shl (local.get $k) (i32.const 2)))))
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
                (local.set $urow (i32.add (local.get $urow) (i32.shl (local.get $N) (i32.const 2))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $next_k)))
            (local.set $vrow0 (i32.add (local.get $v) (i32.shl (i32.add (i32.mul (local.get $r0) (local.get $N)) (local.get $n0)) (i32.const 2))))
            (local.set $vrow1 (i32.add (local.get $v) (i32.shl (i32.add (i32.mul (local.get $r1) (local.get $N)) (local.get $n0)) (i32.const 2))))
            (local.set $width (i32.sub (local.get $N) (local.get $n0)))
            (if (i32.ge_u (local.get $width) (i32.const 16))
              (then
                (v128.store offset=0 (local.get $vrow0) (local.get $c0))
                (v128.store offset=16 (local.get $vrow0) (local.get $c1))
                (v128.store offset=32 (local.get $vrow0) (local.get $c2))
                (v128.store offset=48 (local.get $vrow0) (local.get $c3))
                (if (i32.ne (local.get $r1) (local.get $r0))
                  (then
                    (v128.store offset=0 (local.get $vrow1) (local.get $e0))
                    (v128.store offset=16 (local.get $vrow1) (local.get $e1))
                    (v128.store offset=32 (local.get $vrow1) (local.get $e2))
                    (v128.store offset=48 (local.get $vrow1) (local.get $e3)))))
              (else
                (v128.store offset=0 (local.get $scratch) (local.get $c0))
                (v128.store offset=16 (local.get $scratch) (local.get $c1))
                (v128.store offset=32 (local.get $scratch) (local.get $c2))
                (v128.store offset=48 (local.get $scratch) (local.get $c3))
                (v128.store offset=64 (local.get $scratch) (local.get $e0))
                (v128.store offset=80 (local.get $scratch) (local.get $e1))
                (v128.store offset=96 (local.get $scratch) (local.get $e2))
                (v128.store offset=112 (local.get $scratch) (local.get $e3))
                (local.set $m (i32.const 0))
                (block $done_m
                  (loop $next_m
                    (br_if $done_m (i32.ge_u (local.get $m) (local.get $width)))
                    (f32.store (i32.add (local.get $vrow0) (i32.shl (local.get $m) (i32.const 2)))
                      (f32.load offset=0 (i32.add (local.get $scratch) (i32.shl (local.get $m) (i32.const 2)))))
                    (if (i32.ne (local.get $r1) (local.get $r0))
                      (then
                        (f32.store (i32.add (local.get $vrow1) (i32.shl (local.get $m) (i32.const 2)))
                          (f32.load offset=64 (i32.add (local.get $scratch) (i32.shl (local.get $m) (i32.const 2)))))))
                    (local.set $m (i32.add (local.get $m) (i32.const 1)))
                    (br $next_m)))))
            (local.set $n0 (i32.add (local.get $n0) (i32.const 16)))
            (br $next_n)))
        (local.set $r0 (i32.add (local.get $r0) (i32.const 2)))
        (br $next_r))))
  ;; Dot products of rows:   V[r, n] = Σ_k A[r, k] · B[n, k]   for r < R, n < N   (A·Bᵀ, both row-major along k):
  ;; a matrix times a few vectors, where rows_times would spend 15 of its 16 columns on nothing. Two f32x4
  ;; accumulators over eight k at a time, their lanes then summed, the last K mod 8 terms added one by one.
  (func (export "rows_dot")
    (param $a i32) (param $b i32) (param $v i32) (param $R i32) (param $K i32) (param $N i32)
    (local $r i32) (local $n i32) (local $k i32) (local $arow i32) (local $brow i32) (local $k8 i32)
    (local $acc0 v128) (local $acc1 v128) (local $sum f32)
    (local.set $k8 (i32.and (local.get $K) (i32.const -8)))
    (local.set $r (i32.const 0))
    (block $done_r
      (loop $next_r
        (br_if $done_r (i32.ge_u (local.get $r) (local.get $R)))
        (local.set $arow (i32.add (local.get $a) (i32.shl (i32.mul (local.get $r) (local.get $K)) (i32.const 2))))
        (local.set $n (i32.const 0))
        (block $done_n
          (loop $next_n
            (br_if $done_n (i32.ge_u (local.get $n) (local.get $N)))
            (local.set $brow (i32.add (local.get $b) (i32.shl (i32.mul (local.get $n) (local.get $K)) (i32.const 2))))
            (local.set $acc0 (v128.const i64x2 0 0))
            (local.set $acc1 (v128.const i64x2 0 0))
            (local.set $k (i32.const 0))
            (block $done_k
              (loop $next_k
                (br_if $done_k (i32.ge_u (local.get $k) (local.get $k8)))
                (local.set $acc0 (f32x4.add (local.get $acc0)
                  (f32x4.mul (v128.load offset=0 (i32.add (local.get $arow) (i32.shl (local.get $k) (i32.const 2))))
                             (v128.load offset=0 (i32.add (local.get $brow) (i32.shl (local.get $k) (i32.const 2)))))))
                (local.set $acc1 (f32x4.add (local.get $acc1)
                  (f32x4.mul (v128.load offset=16 (i32.add (local.get $arow) (i32.shl (local.get $k) (i32.const 2))))
                             (v128.load offset=16 (i32.add (local.get $brow) (i32.shl (local.get $k) (i32.const 2)))))))
                (local.set $k (i32.add (local.get $k) (i32.const 8)))
                (br $next_k)))
            (local.set $acc0 (f32x4.add (local.get $acc0) (local.get $acc1)))
            (local.set $sum (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
              (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0)))))
            (block $done_tail
              (loop $next_tail
                (br_if $done_tail (i32.ge_u (local.get $k) (local.get $K)))
                (local.set $sum (f32.add (local.get $sum)
                  (f32.mul (f32.load (i32.add (local.get $arow) (i32.shl (local.get $k) (i32.const 2))))
                           (f32.load (i32.add (local.get $brow) (i32.shl (local.get $k) (i32.const 2)))))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $next_tail)))
            (f32.store (i32.add (local.get $v) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $N)) (local.get $n)) (i32.const 2)))
              (local.get $sum))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (br $next_n)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $next_r)))))
