# cumulative_time.gp — chapter 05's --bench plot: the total time to generate N new tokens, naive
# and cached, measured and predicted. Each curve is a running sum of the per-step times, the
# first step (the prefill) included, as in the table --bench prints: a naive step grows with
# the sequence, so its total bends upwards (quadratic); a cached step stays flat, so its total
# is nearly a straight line.
# ./chapter05 --bench sets these variables, then loads this file:
#   csv      the per-step CSV it wrote (step,context,naive_s,cached_s,concat_s,
#            naive_predicted_s,cached_predicted_s)
#   out      the picture to write
#   model    what was timed ("random 124M-shaped weights" or the model folder)
#   prompt   the prompt's length in tokens
set terminal pngcairo size 900,560 font 'sans,10'
set output out
set datafile separator ','
set title sprintf('Total time to generate N new tokens (%s, %s-token prompt)', model, prompt)
set xlabel 'new tokens N'
set ylabel 'total time (s)'
set yrange [0:*]
set autoscale xfix
set key top left
set grid
# A running sum per curve: each starts at 0 (the in-line assignment before it); every ::1 skips
# the header line.
plot naive = 0, \
     csv every ::1 using 1:(naive = naive + $3) with lines lw 2 lc rgb '#c0392b' title 'naive (measured)', \
     naive_model = 0, \
     csv every ::1 using 1:(naive_model = naive_model + $6) with lines lw 2 dt 2 lc rgb '#7b241c' title 'naive (cost model)', \
     concat = 0, \
     csv every ::1 using 1:(concat = concat + $5) with lines lw 2 lc rgb '#e67e22' title 'cached, concat (measured)', \
     cached = 0, \
     csv every ::1 using 1:(cached = cached + $4) with lines lw 2 lc rgb '#2471a3' title 'cached (measured)', \
     cached_model = 0, \
     csv every ::1 using 1:(cached_model = cached_model + $7) with lines lw 2 dt 2 lc rgb '#1b4f72' title 'cached (cost model)'
