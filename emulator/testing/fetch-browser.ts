/**
 * A minimal browser for tests that drives the sandbox's real sign-in and consent pages with fetch: it keeps cookies,
 * follows redirects inside the sandbox, parses the HTML forms, and stops when the sandbox sends the user back to the
 * application (a redirect or an auto-submitting form_post to the redirect URI).
 */

type ParsedForm = {
  action: string;
  method: string;
  fields: Record<string, string>;
  /** Visible inputs by name (what a user would type into). */
  inputs: string[];
  buttons: { name: string | null; value: string | null; text: string }[];
  checkboxes: { name: string; value: string; label: string }[];
};

export type BrowserStep =
  | { kind: "page"; status: number; html: string; forms: ParsedForm[]; text: string }
  | { kind: "back-to-app"; url: URL; method: "GET" | "POST"; params: Record<string, string> };

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
const attr = (tag: string, name: string): string | null => {
  const m = new RegExp(`\\s${name}="([^"]*)"`, "i").exec(tag);
  return m ? decode(m[1]) : null;
};

function parseForms(html: string): ParsedForm[] {
  const forms: ParsedForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const [, open, inner] = m;
    const form: ParsedForm = {
      action: attr(open, "action") ?? "",
      method: (attr(open, "method") ?? "get").toUpperCase(),
      fields: {},
      inputs: [],
      buttons: [],
      checkboxes: [],
    };
    for (const input of inner.matchAll(/<input\b[^>]*>/gi)) {
      const tag = input[0];
      const name = attr(tag, "name");
      const type = (attr(tag, "type") ?? "text").toLowerCase();
      if (!name) continue;
      if (type === "hidden") form.fields[name] = attr(tag, "value") ?? "";
      else if (type === "checkbox") {
        const id = attr(tag, "id");
        const label = id ? (new RegExp(`<label for="${id}">([^<]*)</label>`).exec(inner)?.[1] ?? "") : "";
        form.checkboxes.push({ name, value: attr(tag, "value") ?? "on", label: decode(label) });
      } else if (type !== "submit") form.inputs.push(name);
    }
    for (const b of inner.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)) {
      form.buttons.push({
        name: attr(b[1], "name"),
        value: attr(b[1], "value"),
        text: decode(
          b[2]
            .replace(/<[^>]+>/g, " ")
            .replace(/\s+/g, " ")
            .trim(),
        ),
      });
    }
    forms.push(form);
  }
  return forms;
}

export class FetchBrowser {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly origin: string) {}

  clearCookies(): void {
    this.cookies.clear();
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (attrs.some((a) => /max-age=0/i.test(a.trim())) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** GET (or POST a form) and follow sandbox redirects until a page or the way back to the app. */
  async go(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<BrowserStep> {
    let target = new URL(url, this.origin);
    let method = init.method ?? (init.form ? "POST" : "GET");
    let body: string | undefined = init.form ? new URLSearchParams(init.form).toString() : undefined;
    for (let hops = 0; hops < 10; hops++) {
      if (target.origin !== this.origin) return { kind: "back-to-app", url: target, method: "GET", params: Object.fromEntries(target.searchParams) };
      const res = await fetch(target, {
        method,
        redirect: "manual",
        headers: { cookie: this.cookieHeader(), ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
        body,
      });
      this.remember(res);
      if (res.status >= 300 && res.status < 400) {
        target = new URL(res.headers.get("location")!, target);
        method = "GET";
        body = undefined;
        continue;
      }
      const html = await res.text();
      const forms = parseForms(html);
      const autoPost = /onload="document\.forms\[0\]\.submit\(\)"/.test(html) ? forms[0] : undefined;
      if (autoPost) return { kind: "back-to-app", url: new URL(autoPost.action), method: "POST", params: autoPost.fields };
      return {
        kind: "page",
        status: res.status,
        html,
        forms,
        text: html
          .replace(/<style[\s\S]*?<\/style>/g, "")
          .replace(/<[^>]+>/g, " ")
          .replace(/\s+/g, " "),
      };
    }
    throw new Error("too many redirects");
  }

  /** Submits the page's form, filling `values` and pressing the button whose text is `button` (if given). */
  async submit(step: BrowserStep, values: Record<string, string> = {}, button?: string): Promise<BrowserStep> {
    if (step.kind !== "page") throw new Error("not on a page");
    const form = step.forms.find((f) => !button || f.buttons.some((b) => b.text === button)) ?? step.forms[0];
    if (!form) throw new Error(`no form on page: ${step.text.slice(0, 200)}`);
    const fields = { ...form.fields, ...values };
    const pressed = button ? form.buttons.find((b) => b.text === button) : undefined;
    if (button && !pressed) throw new Error(`no button '${button}' on page: ${step.text.slice(0, 200)}`);
    if (pressed?.name) fields[pressed.name] = pressed.value ?? "";
    return this.go(form.action, { form: fields });
  }
}

export type SignInOptions = {
  username: string;
  password: string;
  /** What to do on a consent page: accept for me, accept for the organisation, or cancel. */
  consent?: "accept" | "accept-for-organization" | "cancel";
};

/**
 * Walks a sign-in from its first page to the way back to the app, as a user would: email, password, MFA approval,
 * account picker, consent. Returns the last step (back-to-app, or a page it does not know how to pass, such as an
 * error or "Need admin approval").
 */
export async function completeSignIn(browser: FetchBrowser, start: BrowserStep, opts: SignInOptions): Promise<BrowserStep> {
  let step = start;
  for (let i = 0; i < 8 && step.kind === "page"; i++) {
    const form = step.forms[0];
    if (!form) return step;
    if (form.inputs.includes("login")) step = await browser.submit(step, { login: opts.username }, "Next");
    else if (form.inputs.includes("passwd")) step = await browser.submit(step, { passwd: opts.password }, "Sign in");
    else if (form.fields.step === "mfa") step = await browser.submit(step, {}, "Verify");
    else if (form.fields.step === "pick") step = await browser.submit(step, {}, form.buttons[0].text);
    else if (form.fields.step === "consent") {
      if (!opts.consent) return step;
      const values: Record<string, string> = opts.consent === "accept-for-organization" ? { consent_org: "true" } : {};
      step = await browser.submit(step, values, opts.consent === "cancel" ? "Cancel" : "Accept");
    } else return step;
  }
  return step;
}
