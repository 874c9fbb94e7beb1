/** A table as people read it: display strings, one alignment per column. Markdown and HTML both render it. */
export interface Table {
  header: string[];
  /** 'right' for numbers, so digits line up. */
  align: ('left' | 'right')[];
  rows: string[][];
}
