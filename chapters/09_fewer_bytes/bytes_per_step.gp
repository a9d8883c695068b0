# bytes_per_step.gp — chapter 09's picture of where a decode step's bytes are: the weights
# (read once per step, whatever the batch) against the KV cache (every sequence's, every token),
# for GPT-2 small, by number format. Straight from the byte counts of the lesson (no program
# output is needed):
#   gnuplot -e "out='chapters/09_fewer_bytes/bytes_per_step.png'" chapters/09_fewer_bytes/bytes_per_step.gp
set terminal pngcairo size 900,560 font 'sans,10'
set output out
set title 'Bytes a GPT-2 small decode step reads: weights against the KV cache'
set xlabel 'tokens in each sequence''s cache (L)'
set ylabel 'MB read per decode step (log scale)'
set logscale y
set xrange [0:1024]
set yrange [1:20000]
set key top left
set grid
weights_fp32 = 494.6e6      # every matrix, bias and LayerNorm, once (chapter 04's count)
weights_bf16 = 247.7e6      # the matrices in 2 bytes, the small parts still float32
token_fp32 = 73728.0        # 2 × 12 layers × 768 × 4 bytes
token_int8 = 19584.0        # 2 × 12 × (768 × 1 + 12 heads × 4 bytes of scale)
plot weights_fp32 / 1e6 with lines lw 2 dt 2 lc rgb '#c0392b' title 'weights, float32', \
     weights_bf16 / 1e6 with lines lw 2 dt 2 lc rgb '#2471a3' title 'weights, bfloat16', \
     x * token_fp32 / 1e6 with lines lw 2 lc rgb '#e67e22' title 'cache, float32, batch 1', \
     16 * x * token_fp32 / 1e6 with lines lw 2 lc rgb '#7b241c' title 'cache, float32, batch 16', \
     16 * x * token_int8 / 1e6 with lines lw 2 lc rgb '#27ae60' title 'cache, int8, batch 16'
