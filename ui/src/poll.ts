// A GET of the admin API kept fresh: fetched on mount and every `everyMs` (0: once), with the
// last error; refresh() fetches again now.
import { useEffect, useState } from 'preact/hooks';
import { api } from './api';

export function usePolled<T>(path: string, everyMs: number) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState('');
  const refresh = () =>
    api<T>(path)
      .then((d) => {
        setData(d);
        setError('');
      })
      .catch((e: Error) => setError(e.message));
  useEffect(() => {
    void refresh();
    if (!everyMs) return;
    const t = setInterval(refresh, everyMs);
    return () => clearInterval(t);
  }, [path, everyMs]);
  return { data, error, setError, refresh };
}
