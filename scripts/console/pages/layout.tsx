/** @jsxImportSource hono/jsx */
/**
 * The console's page frame, shared bits (JSON blocks, times, flash) and the error page. Every string is rendered
 * through hono/jsx, which escapes it: nothing here uses raw HTML.
 */
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';

/** The doctype: a constant, the only raw markup the console writes. */
const DOCTYPE = raw('<!doctype html>');

/** What every page needs from the request and the server. */
export interface PageContext {
  /** `local` or `aws:<account>/<region>`. */
  readonly label: string;
  readonly operator: string;
  /** The per-run CSRF token every form carries as `_csrf`. */
  readonly csrf: string;
  /** The request path (the navigation marks the current section). */
  readonly path: string;
  /** A flash message from the action that redirected here (`?done=`), shown as text. */
  readonly done?: string | undefined;
}

const SECTIONS: ReadonlyArray<readonly [string, string]> = [
  ['/investigations', 'Investigations'],
  ['/approvals', 'Approvals'],
  ['/accounts', 'Accounts'],
  ['/playbooks', 'Playbooks'],
];

export function Layout(props: { ctx?: PageContext | undefined; title: string; children?: Child }) {
  const { ctx } = props;
  return (
    <>
      {DOCTYPE}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${props.title} · SOCless console`}</title>
          <link rel="stylesheet" href="/static/console.css" />
        </head>
        <body>
          <header class="top">
            <span class="brand">SOCless console</span>
            {ctx ? (
              <nav>
                {SECTIONS.map(([href, name]) => (
                  <a href={href} class={ctx.path === href || ctx.path.startsWith(`${href}/`) ? 'current' : undefined}>
                    {name}
                  </a>
                ))}
              </nav>
            ) : null}
            {ctx ? (
              <span class="who">
                <span class="hub">{ctx.label}</span> <span class="operator">{ctx.operator}</span>
              </span>
            ) : null}
          </header>
          <main>
            {ctx?.done ? (
              <p class="flash done" data-testid="flash" role="status">
                {ctx.done}
              </p>
            ) : null}
            {props.children}
          </main>
        </body>
      </html>
    </>
  );
}

export function ErrorPage(props: { ctx?: PageContext | undefined; status: number; title: string; message: string }) {
  return (
    <Layout ctx={props.ctx} title={props.title}>
      <h1>
        {props.title} <span class="muted">({props.status})</span>
      </h1>
      <p class="flash error" data-testid="flash" role="alert">
        {props.message}
      </p>
      {props.ctx ? (
        <p>
          <a href="/investigations">Back to the investigations</a>
        </p>
      ) : null}
    </Layout>
  );
}

/** JSON.stringify's replacer for what DynamoDB reads can hold: sets (string and number sets) and big numbers. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Set) return [...value];
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** Pretty JSON in a <pre>, as text. */
export function Json(props: { value: unknown; testid?: string }) {
  const text = props.value === undefined ? '(none)' : JSON.stringify(props.value, jsonSafe, 2);
  return (
    <pre class="json" data-testid={props.testid}>
      {text}
    </pre>
  );
}

/** A hidden field with the CSRF token: every form has one. */
export function Csrf(props: { ctx: PageContext }) {
  return <input type="hidden" name="_csrf" value={props.ctx.csrf} />;
}

/** Link to an investigation page. */
export function investigationHref(id: string): string {
  return `/investigations/${encodeURIComponent(id)}`;
}

/** Link to an execution page. */
export function executionHref(arn: string): string {
  return `/executions/${encodeURIComponent(arn)}`;
}

export function playbookHref(name: string): string {
  return `/playbooks/${encodeURIComponent(name)}`;
}

/** An ISO time shown short (`2026-01-02 03:04:05Z`), the full value on hover. */
export function Time(props: { at?: string | undefined }) {
  if (!props.at) return <span class="muted">—</span>;
  const short = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(props.at)
    ? `${props.at.slice(0, 19).replace('T', ' ')}Z`
    : props.at;
  return <time datetime={props.at}>{short}</time>;
}

export function Status(props: { status: string; testid?: string }) {
  return (
    <span class={`status status-${props.status.toLowerCase().replace(/[^a-z_]/g, '')}`} data-testid={props.testid}>
      {props.status}
    </span>
  );
}

/** A list table: its column headings, then the rows (`<tr>`s) given as children. */
export function ListTable(props: { headings: readonly string[]; children?: Child }) {
  return (
    <table class="list">
      <thead>
        <tr>
          {props.headings.map((h) => (
            <th>{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  );
}

/** A fact (`<dt>`/`<dd>`) linking to an investigation; nothing when there is none. */
export function InvestigationFact(props: { label: string; id?: string | undefined }) {
  if (!props.id) return null;
  return (
    <>
      <dt>{props.label}</dt>
      <dd>
        <a href={investigationHref(props.id)}>{props.id}</a>
      </dd>
    </>
  );
}

/** An action's section: its heading, what it does, and the form (the CSRF token, the fields, the submit button). */
export function ActionForm(props: {
  ctx: PageContext;
  sectionClass: string;
  title: string;
  intro?: Child;
  action: string;
  testid: string;
  button: string;
  buttonClass?: string | undefined;
  buttonTestid: string;
  children?: Child;
}) {
  return (
    <section class={props.sectionClass}>
      <h2>{props.title}</h2>
      {props.intro}
      <form method="post" action={props.action} data-testid={props.testid}>
        <Csrf ctx={props.ctx} />
        {props.children}
        <button type="submit" class={props.buttonClass} data-testid={props.buttonTestid}>
          {props.button}
        </button>
      </form>
    </section>
  );
}
