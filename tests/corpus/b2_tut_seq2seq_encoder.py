# The encoder of the older seq2seq translation tutorial, in our code: one token at a time,
# forward(input, hidden) with `self.embedding(input).view(1, 1, -1)`, a GRU fed the previous
# hidden state, initHidden making torch.zeros(1, 1, self.hidden_size, device=device); then the
# notebook loop over the input sentence's tokens.
convention: pytorch
input input: (1,)          # dtype: int64
input hidden: (1, 1, 64)

import torch
import torch.nn as nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

SOS_token = 0
EOS_token = 1
MAX_LENGTH = 10


class EncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size):
        super(EncoderRNN, self).__init__()
        self.hidden_size = hidden_size

        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size)

    def forward(self, input, hidden):
        embedded = self.embedding(input).view(1, 1, -1)
        output = embedded
        output, hidden = self.gru(output, hidden)
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, 1, self.hidden_size, device=device)


hidden_size = 64
input_lang_n_words = 120
encoder1 = EncoderRNN(input_lang_n_words, hidden_size).to(device)

input_tensor = torch.tensor([[5], [7], [9], [EOS_token]], dtype=torch.long, device=device)
encoder_hidden = encoder1.initHidden()
encoder_outputs = torch.zeros(MAX_LENGTH, encoder1.hidden_size, device=device)
for ei in range(input_tensor.size(0)):
    encoder_output, encoder_hidden = encoder1(input_tensor[ei], encoder_hidden)
    encoder_outputs[ei] = encoder_output[0, 0]

model = encoder1
