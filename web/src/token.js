// token.js: the form that takes the node's API token for the pages whose
// calls need it (Cards, Terminal): it keeps the token in this tab only
// (api.setToken) and calls onSave.
import { setToken, token } from "./api.js";
import { h } from "./dom.js";

// tokenForm is the form: its input is #ID, its button #ID-save.
export function tokenForm(id, onSave) {
  const input = h(`input#${id}`, { type: "password", placeholder: "the node's API token", autocomplete: "off" });
  return h("form.row", {
    onsubmit: (e) => {
      e.preventDefault();
      setToken(input.value);
      input.value = "";
      onSave();
    },
  }, input, h(`button#${id}-save`, { type: "submit" }, token() ? "Replace" : "Use"));
}
