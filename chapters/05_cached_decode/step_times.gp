# step_times.gp — chapter 05's --bench plot: the time of every decode step against the
# sequence length it reads, naive and cached, measured and predicted, under the ceiling.
# --bench draws it twice: with a log scale, where the flat cached points and the ceiling are
# easy to compare, and with a linear one, where a naive step's straight-line growth shows.
# ./chapter05 --bench sets these variables, then loads this file:
#   csv      the per-step CSV it wrote (step,context,naive_s,cached_s,concat_s,
#            naive_predicted_s,cached_predicted_s)
#   out      the picture to write
#   model    what was timed ("random 124M-shaped weights" or the model folder)
#   prompt   the prompt's length in tokens
#   ceiling_ms  one weight sweep, in ms (the bandwidth ceiling of a cached step)
#   scale    'log' or 'linear': the step-time axis (optional; log when not set)
set terminal pngcairo size 900,560 font 'sans,10'
set output out
set datafile separator ','
set title sprintf('Time of each decode step vs sequence length (%s, %s-token prompt)', model, prompt)
set xlabel 'sequence length the step reads (tokens)'
if (exists('scale') && scale eq 'linear') {
    set ylabel 'step time (ms)'
    set yrange [0:*]
} else {
    set ylabel 'step time (ms, log scale)'
    set logscale y
}
set key top left
set grid
# every ::2 skips the header and step 1 (the prefill, which is not a decode step)
plot csv every ::2 using 2:($3*1000) with points pt 7 ps 0.5 lc rgb '#c0392b' title 'naive (measured)', \
     ''  every ::2 using 2:($6*1000) with lines lw 2 lc rgb '#7b241c' title 'naive (cost model)', \
     ''  every ::2 using 2:($5*1000) with points pt 7 ps 0.4 lc rgb '#e67e22' title 'cached, concat (measured)', \
     ''  every ::2 using 2:($4*1000) with points pt 7 ps 0.5 lc rgb '#2471a3' title 'cached (measured)', \
     ''  every ::2 using 2:($7*1000) with lines lw 2 lc rgb '#1b4f72' title 'cached (cost model)', \
     real(ceiling_ms) with lines dt 2 lc rgb '#555555' title 'ceiling: one weight sweep'
