# The attention decoder of the older seq2seq translation tutorial (our code): one step per
# call, forward(input, hidden, encoder_outputs), embedded[0] / hidden[0] indexing,
# F.softmax(self.attn(torch.cat((embedded[0], hidden[0]), 1)), dim=1) over MAX_LENGTH
# encoder positions, torch.bmm(attn_weights.unsqueeze(0), encoder_outputs.unsqueeze(0)),
# attn_combine(...).unsqueeze(0), and three results (log-probabilities, hidden, weights).
convention: pytorch
input input: (1, 1)             # dtype: int64
input hidden: (1, 1, 64)
input encoder_outputs: (10, 64)

import torch
import torch.nn as nn
import torch.nn.functional as F

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
MAX_LENGTH = 10


class AttnDecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size, dropout_p=0.1, max_length=MAX_LENGTH):
        super(AttnDecoderRNN, self).__init__()
        self.hidden_size = hidden_size
        self.output_size = output_size
        self.dropout_p = dropout_p
        self.max_length = max_length

        self.embedding = nn.Embedding(self.output_size, self.hidden_size)
        self.attn = nn.Linear(self.hidden_size * 2, self.max_length)
        self.attn_combine = nn.Linear(self.hidden_size * 2, self.hidden_size)
        self.dropout = nn.Dropout(self.dropout_p)
        self.gru = nn.GRU(self.hidden_size, self.hidden_size)
        self.out = nn.Linear(self.hidden_size, self.output_size)

    def forward(self, input, hidden, encoder_outputs):
        embedded = self.embedding(input).view(1, 1, -1)
        embedded = self.dropout(embedded)

        attn_weights = F.softmax(
            self.attn(torch.cat((embedded[0], hidden[0]), 1)), dim=1)
        attn_applied = torch.bmm(attn_weights.unsqueeze(0),
                                 encoder_outputs.unsqueeze(0))

        output = torch.cat((embedded[0], attn_applied[0]), 1)
        output = self.attn_combine(output).unsqueeze(0)

        output = F.relu(output)
        output, hidden = self.gru(output, hidden)

        output = F.log_softmax(self.out(output[0]), dim=1)
        return output, hidden, attn_weights

    def initHidden(self):
        return torch.zeros(1, 1, self.hidden_size, device=device)


hidden_size = 64
output_lang_n_words = 150
attn_decoder1 = AttnDecoderRNN(hidden_size, output_lang_n_words, dropout_p=0.1).to(device)
model = attn_decoder1
