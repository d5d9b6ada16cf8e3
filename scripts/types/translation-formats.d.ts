// The parts of xliff (locize) and gettext-parser we use; neither ships types.
declare module "xliff/js2xliff" {
  export interface XliffInline {
    [elementType: string]: { id: string; contents?: XliffText; [attribute: string]: unknown };
  }
  export type XliffText = string | (string | XliffInline)[];
  export interface XliffUnit {
    source?: XliffText;
    target?: XliffText;
    note?: string | string[];
    additionalAttributes?: Record<string, string>;
  }
  export interface XliffJs {
    sourceLanguage: string;
    targetLanguage: string;
    resources: Record<string, Record<string, XliffUnit>>;
  }
  export default function js2xliff(js: XliffJs, options?: { indent?: string }): Promise<string>;
}

declare module "xliff/xliff2js" {
  import type { XliffJs } from "xliff/js2xliff";
  export default function xliff2js(xml: string): Promise<XliffJs>;
}

declare module "gettext-parser" {
  export interface PoEntry {
    msgctxt?: string;
    msgid: string;
    msgstr: string[];
    comments?: { extracted?: string; reference?: string; flag?: string; translator?: string };
  }
  export interface PoData {
    charset?: string;
    headers: Record<string, string>;
    translations: Record<string, Record<string, PoEntry>>;
  }
  const gettextParser: {
    po: {
      parse(input: string | Buffer, options?: { defaultCharset?: string }): PoData;
      compile(data: PoData, options?: { foldLength?: number }): Buffer;
    };
  };
  export default gettextParser;
}
