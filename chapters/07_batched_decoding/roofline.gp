# roofline.gp — chapter 07's --bench plot: decode tokens/s against the batch size, measured
# and predicted, under the two roofs that bound the weights' part of a step.
# ./chapter07 --bench sets these variables, then loads this file:
#   csv    the CSV it wrote (batch,ms_per_step,ms_min,ms_max,tokens_per_s,
#          predicted_tokens_per_s,memory_roof_tokens_per_s,compute_roof_tokens_per_s,
#          no_overlap_tokens_per_s)
#   out    the picture to write
#   model  what was timed
set terminal pngcairo size 900,560 font 'sans,10'
set output out
set datafile separator ','
set title sprintf('Decode throughput vs batch size (%s)', model)
set xlabel 'sequences decoded together (B, log scale)'
set ylabel 'tokens/s (log scale)'
set logscale xy 2
set key top left
set grid
# Measured: the median step, with error bars from the fastest and slowest step (B / ms).
plot csv every ::1 using 1:5:(1000*$1/$4):(1000*$1/$3) with yerrorbars pt 7 ps 0.8 lc rgb '#2471a3' title 'measured (median, range)', \
     ''  every ::1 using 1:6 with linespoints lw 2 pt 6 lc rgb '#1b4f72' title 'roofline: max(memory, compute)', \
     ''  every ::1 using 1:9 with linespoints lw 1.5 pt 4 dt 4 lc rgb '#7d3c98' title 'no overlap: memory + compute', \
     ''  every ::1 using 1:7 with lines dt 2 lw 1.5 lc rgb '#c0392b' title 'memory roof: weights read once per step', \
     ''  every ::1 using 1:8 with lines dt 3 lw 1.5 lc rgb '#27ae60' title 'compute roof: weight FLOPs at the gemm rate'
