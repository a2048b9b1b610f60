/** What every renderer is given. Renderers are pure `(value, options) => string` and never look at the environment. */
export interface RenderOptions {
  color: boolean;
}

export type Renderer<T> = (value: T, options: RenderOptions) => string;
