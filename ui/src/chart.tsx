// A uPlot chart as a Preact component: created once per mount, its data replaced on updates,
// resized with its container.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  color: string;
  unit?: string;
  bars?: boolean;
}

interface Props {
  title?: string;
  // x values first, then one array per series
  data: (number | null)[][];
  series: Series[];
  height?: number;
  time?: boolean; // x is unix seconds
  xLabel?: string;
  logX?: boolean;
  id?: string;
  xRange?: [number, number]; // a fixed x range (e.g. the last hour), else the data's
}

const bars = uPlot.paths.bars ? uPlot.paths.bars({ size: [0.6, 40] }) : undefined;

export function Chart({ title, data, series, height = 220, time = true, xLabel, logX, id, xRange }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label).join('|') + (logX ? 'log' : '');

  useEffect(() => {
    if (!box.current) return;
    const opts: uPlot.Options = {
      title,
      width: box.current.clientWidth || 600,
      height,
      scales: {
        x: {
          time,
          distr: logX ? 3 : 1,
          // one point (or none) has no span: show a minute around it rather than years
          range: (_u, min, max) =>
            xRange ?? (min === max ? (logX ? [min / 2, max * 2] : [min - 60, max + 60]) : [min, max]),
        },
      },
      axes: [
        { stroke: '#94a3b8', grid: { stroke: '#1e293b' }, label: xLabel },
        { stroke: '#94a3b8', grid: { stroke: '#1e293b' }, size: 70 },
      ],
      legend: { live: true },
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          fill: s.bars ? s.color + '99' : undefined,
          width: 2,
          paths: s.bars ? bars : undefined,
          points: { show: !s.bars },
          value: (_u: uPlot, v: number | null) => (v == null ? '–' : `${+v.toFixed(2)}${s.unit ?? ''}`),
        })),
      ],
    };
    plot.current = new uPlot(opts, data as uPlot.AlignedData, box.current);
    const resize = new ResizeObserver(() => {
      if (box.current && plot.current) plot.current.setSize({ width: box.current.clientWidth, height });
    });
    resize.observe(box.current);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape, height, title, xRange?.[0]]);

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data]);

  return <div class="chart" ref={box} id={id} data-points={data[0]?.length ?? 0} />;
}
