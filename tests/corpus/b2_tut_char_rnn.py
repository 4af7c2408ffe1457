# The newer char-RNN name classifier tutorial (our code): n_letters from string.ascii_letters
# plus punctuation, a name as a (line_length, 1, n_letters) one-hot tensor, nn.RNN, the last
# time step `rnn_out[-1]` into a Linear, nn.LogSoftmax(dim=1) held as a module; the notebook
# builds a one-hot tensor with a loop and torch.zeros and calls the model on it.
convention: pytorch
input: (6, 1, 58)

import string

import torch
import torch.nn as nn

allowed_characters = string.ascii_letters + " .,;'" + "_"
n_letters = len(allowed_characters)


def letterToIndex(letter):
    if letter not in allowed_characters:
        return allowed_characters.find("_")
    return allowed_characters.find(letter)


def lineToTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letterToIndex(letter)] = 1
    return tensor


class CharRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(CharRNN, self).__init__()

        self.rnn = nn.RNN(input_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, line_tensor):
        rnn_out, hidden = self.rnn(line_tensor)
        output = self.h2o(rnn_out[-1])
        output = self.softmax(output)

        return output


n_hidden = 128
labels_uniq = ['Arabic', 'Chinese', 'Czech', 'Dutch', 'English', 'French', 'German',
               'Greek', 'Irish', 'Italian', 'Japanese', 'Korean', 'Polish', 'Portuguese',
               'Russian', 'Scottish', 'Spanish', 'Vietnamese']
rnn = CharRNN(n_letters, n_hidden, len(labels_uniq))
print(rnn)

input = lineToTensor('Albert')
output = rnn(input)
model = rnn
