# kv_cache_vs_context.gp — chapter 06's headline plot: one sequence's KV cache against its
# context length, for one model of each family. ./chapter06 sets these variables, then loads
# this file:
#   csv     the table it wrote: "context" then one column per model (GiB; empty beyond the
#           model's window)
#   out     the picture to write
#   dtype   the number format the sizes assume (e.g. fp16)
#   models  how many model columns the table has
#   dashed  the columns of models with a sliding window, e.g. " 8 " (drawn dashed)
set terminal pngcairo size 1000,560 font ',11'
set output out
set datafile separator ','
set title sprintf('KV-cache size vs context, %s, batch 1 (./chapter06)', dtype)
set xlabel 'context (tokens)'
set ylabel 'KV cache (GiB = 2^{30} bytes)'
set logscale x 2
set logscale y 10
set format x '%.0f'
set grid
set key outside right top
plot for [c=2:models+1] csv using 1:c with linespoints lw 2 \
     dt 1 + (strstrt(dashed, sprintf(' %d ', c)) > 0) title columnheader(c)
