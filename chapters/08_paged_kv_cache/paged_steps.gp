# paged_steps.gp — chapter 08's --bench plot: decode step time against the context, paged
# and contiguous, at batch 1 and batch 8.
# ./chapter08 --bench sets these variables, then loads this file:
#   csv    the CSV it wrote (batch,context,block_size,contiguous_ms,contiguous_min,
#          contiguous_max,paged_ms,paged_min,paged_max)
#   out    the picture to write
#   model  what was timed
set terminal pngcairo size 900,560 font 'sans,10'
set output out
set datafile separator ','
set title sprintf('Decode step time, paged vs contiguous KV cache (%s)', model)
set xlabel 'tokens in every sequence''s cache'
set ylabel 'ms per decode step'
set key top left
set grid
set yrange [0:*]
plot csv every ::1 using ($1 == 1 ? $2 : 1/0):4:5:6 with yerrorlines lw 2 pt 7 lc rgb '#2471a3' title 'contiguous, batch 1', \
     ''  every ::1 using ($1 == 1 ? $2 : 1/0):7:8:9 with yerrorlines lw 2 pt 6 dt 2 lc rgb '#1b4f72' title 'paged, batch 1', \
     ''  every ::1 using ($1 == 8 ? $2 : 1/0):4:5:6 with yerrorlines lw 2 pt 7 lc rgb '#c0392b' title 'contiguous, batch 8', \
     ''  every ::1 using ($1 == 8 ? $2 : 1/0):7:8:9 with yerrorlines lw 2 pt 6 dt 2 lc rgb '#7b241c' title 'paged, batch 8'
