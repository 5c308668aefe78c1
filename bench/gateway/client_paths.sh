# Shared by translated.sh and instructions.sh (source it): the same chat through each client
# API of one switchyard in front of mock-openai.
#   client_paths                 the clients, in the order they are measured
#   path[client], body[client]   the endpoint and the request body of each
#   write_switchyard_config FILE MOCK_PORT   a config with the mock as the only backend

client_paths=(openai anthropic responses ollama)
msg='"messages":[{"role":"user","content":"Say hello in French."}]'
declare -A path body
path[openai]=/v1/chat/completions
body[openai]="{\"model\":\"mock/mock-chat\",$msg}"
path[anthropic]=/v1/messages
body[anthropic]="{\"model\":\"mock/mock-chat\",\"max_tokens\":64,$msg}"
path[responses]=/v1/responses
body[responses]='{"model":"mock/mock-chat","input":"Say hello in French."}'
path[ollama]=/api/chat
body[ollama]="{\"model\":\"mock/mock-chat\",\"stream\":false,$msg}"

write_switchyard_config() {
  cat >"$1" <<YAML
server:
  access_log: false
discovery: { local: false, cloud: false }
backends:
  - name: mock
    type: openai
    url: http://127.0.0.1:$2/v1
YAML
}
