# loss.gp — the small model's loss curve, from the loss.csv train.py writes:
#   gnuplot -e "csv='data/mini/loss.csv'; out='data/mini/loss.png'" data/mini/loss.gp
# Every 100 steps train.py estimates the held-out loss on the held-out text's first 12,288
# tokens; after the last step it measures all of it (94,090 tokens), drawn on its own.
set terminal pngcairo size 800,480 font 'sans,10'
set output out
set datafile separator ','
stats csv using 1 every ::1 nooutput
last = STATS_max
set title 'data/mini: training loss and held-out loss'
set xlabel 'optimizer step (8 sequences of 256 tokens each)'
set ylabel 'cross-entropy (nats per token)'
set yrange [4:11]
set grid
set key top right
# (the training loss before the last 300 steps scores only the training text's 24,845 tokens:
#  a little lower than it would be over all 50,257)
plot csv using 1:2 every ::1 with lines lw 1 lc rgb '#9ecae1' title 'training batch', \
     ''  using 1:($3 > 0 && $1 < last ? $3 : NaN) every ::1 with linespoints pt 7 lw 2 lc rgb '#08306b' \
         title 'held-out, first 12,288 tokens', \
     ''  using 1:($1 == last ? $3 : NaN) every ::1 with points pt 9 ps 2 lc rgb '#c0392b' \
         title 'held-out, all 94,090 tokens'
