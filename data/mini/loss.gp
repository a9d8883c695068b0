# loss.gp — the small model's loss curve, from the loss.csv train.py writes:
#   gnuplot -e "csv='data/mini/loss.csv'; out='data/mini/loss.png'" data/mini/loss.gp
set terminal pngcairo size 800,480 font 'sans,10'
set output out
set datafile separator ','
set title 'data/mini: training loss (per step) and held-out loss'
set xlabel 'optimizer step (16 sequences of 256 tokens each)'
set ylabel 'cross-entropy (nats per token)'
set grid
set key top right
plot csv using 1:2 every ::1 with lines lw 1 lc rgb '#9ecae1' title 'training batch', \
     ''  using 1:($3 > 0 ? $3 : NaN) every ::1 with linespoints pt 7 lw 2 lc rgb '#08306b' title 'held-out'
