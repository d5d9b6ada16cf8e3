// The one function of text-readability (a port of Python's textstat) we use.
declare module "text-readability" {
  const readability: {
    fleschKincaidGrade(text: string): number;
  };
  export default readability;
}
